"""LL304 comma-joined-targets."""

from __future__ import annotations

import json
from collections.abc import Iterator

from linter.diagnostics import Finding, Level, Replacement
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import comma_parts


@register
class CommaJoinedTargets(Rule):
    """Several module names joined by commas in one string.

    ## What it does
    Reports a `target_modules` string such as `"q_proj,v_proj"`. PEFT does not split strings: the
    whole string is one regex, and no module name contains a comma.

    ## Why it matters
    Some trainers (LLaMA-Factory's `lora_target`, Unsloth's CLI) do split commas, so the habit
    carries over into PEFT configs, where it targets nothing and PEFT raises.

    ## Example
    ```yaml
    target_modules: "q_proj,k_proj,v_proj"
    ```
    Use instead:
    ```yaml
    target_modules: [q_proj, k_proj, v_proj]
    ```

    ## Fix safety
    `--fix` splits the string into a list in the same quoting style (`"q_proj,v_proj"` ->
    `["q_proj", "v_proj"]`), in PEFT, axolotl and TRL configs (in TRL only into two or more names:
    TRL turns a one-item list back into a string).
    """

    code = "LL304"
    name = "comma-joined-targets"
    level = Level.ERROR
    summary = "A comma-joined string of names is one regex that matches nothing."

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec = ctx.spec
        value = spec.get("target_modules")
        parts = comma_parts(value) if isinstance(value, str) else None
        if parts:
            fix = None
            if spec.dialect in ("peft", "axolotl") or (spec.dialect == "trl" and len(parts) > 1):
                fix = Replacement(value, parts, "Split the names into a list")
            yield Finding(
                "`target_modules` is one comma-joined string; PEFT does not split it, so it is a single "
                "regex that matches no module",
                pointer=spec.pointer("target_modules"),
                hint="write a list: [" + ", ".join(parts) + "]",
                fix_suggestions=(json.dumps(parts),),
                fix=fix,
            )
