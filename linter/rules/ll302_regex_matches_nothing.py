"""LL302 regex-matches-nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator

from linter import peft_facts as pf
from linter.diagnostics import Finding, Level, Replacement
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import comma_parts, is_all_linear, is_identifier

#: dialects that hand a list to LoraConfig as a list (TRL turns a one-item list back into a string)
_LIST_STAYS_A_LIST = frozenset({"peft", "axolotl"})


@register
class RegexMatchesNothing(Rule):
    """A string `target_modules` (a regex, or `all-linear`) that matches no module.

    ## What it does
    PEFT reads a string `target_modules` as a regular expression that must match a module's
    *full* name (`re.fullmatch` against `model.layers.0.self_attn.q_proj`). This rule checks that
    it matches at least one module. A bare name given as a string (`"q_proj"`) is the common case:
    it only matches a top-level module of exactly that name. Without the model, a bare name is
    still reported, as a warning.

    ## Why it matters
    The string form is easy to write by accident (a YAML scalar instead of a list). PEFT then
    raises `Target modules q_proj not found`, or, if `target_parameters` matched, trains only those.

    ## Example
    ```yaml
    target_modules: q_proj
    ```
    Use instead:
    ```yaml
    target_modules: [q_proj]          # names, matched by `.`-suffix
    # or
    target_modules: '.*\\.q_proj'      # one regex over full names
    ```

    ## Fix safety
    `--fix` turns a bare name given as a string into a one-item list (`q_proj` -> `[q_proj]`) in
    PEFT and axolotl configs, keeping the quotes. A pattern with regex syntax is left to you.
    """

    code = "LL302"
    name = "regex-matches-nothing"
    level = Level.ERROR
    summary = "A string target_modules regex (or all-linear) matches no module."

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec = ctx.spec
        value = spec.get("target_modules")
        if not isinstance(value, str) or value == pf.DUMMY_TARGET_MODULES or comma_parts(value):
            return
        if any(p.kind == "single-target-becomes-regex" for p in spec.pitfalls):
            return  # LL606 explains it in the framework's terms
        pointer = spec.pointer("target_modules")
        bare = is_identifier(value) and not is_all_linear(value)
        fix = (
            Replacement(value, [value], f"Write `{value}` as a one-item list")
            if bare and spec.dialect in _LIST_STAYS_A_LIST
            else None
        )
        inv = ctx.inventory
        if inv is None:
            if bare:
                yield Finding(
                    f'`target_modules` is the string "{value}": a string is a regex over full module names, '
                    f"so it only matches a top-level module named `{value}`",
                    pointer=pointer,
                    hint=f"write a list: [{value}]",
                    fix_suggestions=(f'["{value}"]',),
                    level=Level.WARNING,
                    fix=fix,
                )
            return
        if is_all_linear(value):
            if not any(m.kind in ("linear", "conv1d_hf") for m in inv.modules):
                yield Finding(f"`all-linear` matches nothing: {ctx.model_name} has no Linear layer", pointer=pointer)
            return
        try:
            pattern = re.compile(value)
        except re.error:
            return  # LL314 reports the invalid regex
        if any(pattern.fullmatch(m.name) for m in inv.modules if m.name):
            return
        analysis = ctx.analysis
        if (
            analysis is not None
            and isinstance(analysis.effective_target_modules, list)
            and analysis.targeted_parameters
        ):
            return  # transformers-5 MoE conversion resolved it to expert parameters
        example = next((m.name for m in inv.modules if m.wrappable), "")
        if bare:
            yield Finding(
                f'`target_modules` is the string "{value}", a regex that must match a full module name '
                f"such as `{example}`: it matches nothing in {ctx.model_name}",
                pointer=pointer,
                hint=f"write a list to match by name: [{value}]",
                fix_suggestions=(f'["{value}"]',),
                fix=fix,
            )
        else:
            yield Finding(
                f"the regex `{value}` matches no module of {ctx.model_name}: PEFT matches it against full "
                f"names such as `{example}` with re.fullmatch",
                pointer=pointer,
                hint="start the pattern with `.*\\.` to match the end of a full name",
            )
