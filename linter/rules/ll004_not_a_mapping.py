"""LL004 not-a-mapping."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.dialects import is_adapter_config_name
from linter.rules.base import Context, Rule, register


@register
class NotAMapping(Rule):
    """A LoRA config whose top level is not a mapping.

    ## What it does
    Reports an `adapter_config.json` that holds a list, a string, a number or nothing, and a YAML or
    JSON file that spells LoRA keys (`target_modules`, `lora_r`...) below a top level that is a list
    or a scalar.

    ## Why it matters
    PEFT reads the file into keyword arguments of `LoraConfig`, and every training framework reads
    its settings from a top-level mapping: anything else fails to load, or trains without LoRA.

    ## Example
    ```json
    [{"r": 8, "target_modules": ["q_proj"]}]
    ```
    Use instead:
    ```json
    {"r": 8, "target_modules": ["q_proj"]}
    ```
    """

    code = "LL004"
    name = "not-a-mapping"
    level = Level.ERROR
    summary = "A LoRA config (an adapter_config.json, or a file with LoRA keys) is not a mapping."
    applies_to = frozenset({"not-mapping"})

    def check(self, ctx: Context) -> Iterator[Finding]:
        data = ctx.document.data
        found = "nothing" if data is None else type(data).__name__
        found = {"list": "a list", "str": "a string", "int": "a number", "float": "a number"}.get(found, found)
        if is_adapter_config_name(ctx.document.path):
            yield Finding(f"adapter_config.json must hold a JSON object of LoraConfig fields, found {found}")
        else:
            yield Finding(f"this file has LoRA keys but its top level is {found}, not a mapping of settings")
