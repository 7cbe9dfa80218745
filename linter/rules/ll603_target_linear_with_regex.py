"""LL603 target-linear-with-regex."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import pitfall_findings


@register
class TargetLinearWithRegex(Rule):
    """axolotl's `lora_target_linear` together with a regex string in `lora_target_modules`.

    ## What it does
    With `lora_target_linear: true`, axolotl wraps a string `lora_target_modules` into a list
    and adds the Linear layer names to it. The regex then is a list entry, which PEFT matches as a
    plain name or suffix: it matches nothing.

    ## Why it matters
    The regex was written to restrict or extend the targets (say, only the language model of a
    VLM); instead it is dropped silently and `lora_target_linear` alone decides what trains.

    ## Example
    ```yaml
    adapter: lora
    lora_target_linear: true
    lora_target_modules: 'model.language_model.*.(q|v)_proj'
    ```
    Use instead (the regex alone):
    ```yaml
    adapter: lora
    lora_target_modules: 'model.language_model.*.(q|v)_proj'
    ```
    """

    code = "LL603"
    name = "target-linear-with-regex"
    level = Level.ERROR
    summary = "axolotl lora_target_linear turns a regex lora_target_modules into a literal name."
    applies_when_disabled = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        yield from pitfall_findings(ctx, self.name)
