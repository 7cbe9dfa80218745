"""LL004 not-a-mapping."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register


@register
class NotAMapping(Rule):
    """An `adapter_config.json` whose top level is not a JSON object.

    ## What it does
    Reports an `adapter_config.json` that holds a list, a string, a number or nothing.

    ## Why it matters
    PEFT reads the file into keyword arguments of `LoraConfig`; anything but an object fails to load.

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
    summary = "adapter_config.json does not hold a JSON object."
    applies_to = frozenset({"not-mapping"})

    def check(self, ctx: Context) -> Iterator[Finding]:
        data = ctx.document.data
        found = "nothing" if data is None else type(data).__name__
        found = {"list": "a list", "str": "a string", "int": "a number", "float": "a number"}.get(found, found)
        yield Finding(f"adapter_config.json must hold a JSON object of LoraConfig fields, found {found}")
