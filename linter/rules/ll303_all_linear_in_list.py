"""LL303 all-linear-in-list."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level, Replacement
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import is_all_linear

#: how each dialect spells "every linear layer"
_ALL_LINEAR_HINT = {
    "peft": "write target_modules: all-linear (a string, not a list)",
    "trl": "write lora_target_modules: all-linear (a string, not a one-item list)",
    "axolotl": "set lora_target_linear: true",
    "llamafactory": "write lora_target: all (LLaMA-Factory's own word for every linear layer)",
    "llamafactory_v1": "write target_modules: all",
    "unsloth": "list the projections in lora.target_modules (a comma-separated string)",
}


@register
class AllLinearInList(Rule):
    """`all-linear` written inside a list.

    ## What it does
    Reports `["all-linear"]`. PEFT expands `all-linear` only when `target_modules` is exactly that
    string; inside a list it is a module name, and no module is called `all-linear`.

    ## Why it matters
    The adapter ends up with no LoRA layers from that entry: PEFT raises `Target modules
    {'all-linear'} not found` when it is the only entry, and drops it silently otherwise.

    ## Example
    ```yaml
    target_modules: [all-linear]
    ```
    Use instead:
    ```yaml
    target_modules: all-linear
    ```

    ## Fix safety
    `--fix` replaces a PEFT `target_modules` list that holds `all-linear` alone by the string.
    A list with other names too is left to you: the string would target more than they do.
    """

    code = "LL303"
    name = "all-linear-in-list"
    level = Level.ERROR
    summary = '"all-linear" inside a list is a module name that matches nothing.'

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec = ctx.spec
        value = spec.get("target_modules")
        if not isinstance(value, list):
            return
        for index, entry in enumerate(value):
            if is_all_linear(entry):
                fix = None
                if len(value) == 1 and spec.dialect == "peft":
                    message = f"Write `{entry}` as a plain string"
                    fix = Replacement(value, entry, message, spec.pointer("target_modules"))
                yield Finding(
                    "`all-linear` inside a list is read as a module name and matches nothing; "
                    "PEFT expands it only as a plain string",
                    pointer=spec.pointer("target_modules", index),
                    hint=_ALL_LINEAR_HINT.get(spec.dialect, _ALL_LINEAR_HINT["peft"]),
                    fix_suggestions=('"all-linear"',),
                    fix=fix,
                )
