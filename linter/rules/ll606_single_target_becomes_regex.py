"""LL606 single-target-becomes-regex."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import pitfall_findings


@register
class SingleTargetBecomesRegex(Rule):
    r"""TRL's one-item `lora_target_modules` list.

    ## What it does
    TRL's `ModelConfig` turns a `lora_target_modules` list with a single entry into a bare
    string (so that `--lora_target_modules all-linear` works). PEFT reads a string as a regex that
    must match a whole module name, so `[q_proj]` matches nothing.

    ## Why it matters
    PEFT raises `Target modules q_proj not found` when training starts, although the same list
    with two names works.

    ## Example
    ```yaml
    use_peft: true
    lora_target_modules: [q_proj]
    ```
    Use instead:
    ```yaml
    use_peft: true
    lora_target_modules: [q_proj, v_proj]     # two or more names, or
    # lora_target_modules: '.*\.q_proj'      # an explicit regex
    ```
    """

    code = "LL606"
    name = "single-target-becomes-regex"
    level = Level.ERROR
    summary = "TRL turns a one-item lora_target_modules list into a regex string."
    applies_when_disabled = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        yield from pitfall_findings(ctx, self.name)
