"""LL308 unmatched-exclude-module."""

from __future__ import annotations

import re
from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.names import format_names, suggest_module_names
from linter.rules.base import Context, Rule, register


@register
class UnmatchedExcludeModule(Rule):
    """An `exclude_modules` entry (or regex) that matches no module.

    ## What it does
    Checks each entry of a list `exclude_modules` (full name or `.`-suffix, like
    `target_modules`), or the regex of a string one, against the model's modules.

    ## Why it matters
    An exclusion that matches nothing excludes nothing: the modules it was meant to protect get
    LoRA. PEFT warns only when *no* module at all was excluded.

    ## Example
    ```yaml
    target_modules: all-linear
    exclude_modules: [lm_haed]
    ```
    Use instead:
    ```yaml
    exclude_modules: [lm_head]
    ```
    """

    code = "LL308"
    name = "unmatched-exclude-module"
    level = Level.WARNING
    summary = "An exclude_modules entry matches no module, so it excludes nothing."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv, analysis = ctx.spec, ctx.inventory, ctx.analysis
        value = spec.get("exclude_modules")
        if isinstance(value, str):
            try:
                pattern = re.compile(value)
            except re.error:
                return
            if not any(pattern.fullmatch(m.name) for m in inv.modules if m.name):
                yield Finding(
                    f"the exclude_modules regex `{value}` matches no module of {ctx.model_name}",
                    pointer=spec.pointer("exclude_modules"),
                )
            return
        for entry in analysis.exclude_entries:
            if entry.matches:
                continue
            suggestions, _ = suggest_module_names(entry.value, inv)
            yield Finding(
                f"exclude_modules entry `{entry.value}` matches no module of {ctx.model_name}: it excludes nothing",
                pointer=spec.pointer("exclude_modules", entry.index),
                hint=f"did you mean {format_names(suggestions)}?" if suggestions else None,
                fix_suggestions=tuple(suggestions),
            )
