"""LL101 invalid-value."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import schema_problems


@register
class InvalidValue(Rule):
    """A LoRA option with the wrong type or a value outside its range.

    ## What it does
    Checks every LoraConfig field against `schemas/peft-lora.schema.json`: types (`r` an integer,
    `modules_to_save` a list, `target_parameters` a list), enums (`bias`, `task_type`,
    `init_lora_weights` including `pissa_niter_N`) and ranges (`r >= 1`, `0 <= lora_dropout < 1`).
    A misspelt enum value gets the closest valid one.

    ## Why it matters
    PEFT checks almost none of this when it reads the config: `r: "8"`, `bias: "xyz"` or
    `lora_dropout: 2.0` load without error and fail only when the adapter is built on the model,
    and a string `modules_to_save` is iterated character by character, wrapping most of the model.
    `task_type` is case-sensitive.

    ## Example
    ```yaml
    r: "16"
    task_type: causal_lm
    modules_to_save: lm_head
    ```
    Use instead:
    ```yaml
    r: 16
    task_type: CAUSAL_LM
    modules_to_save: [lm_head]
    ```
    """

    code = "LL101"
    name = "invalid-value"
    level = Level.ERROR
    summary = "A LoRA option has the wrong type or a value out of range."
    applies_when_disabled = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec = ctx.spec
        explained = {p.pointer for p in spec.pitfalls}  # a framework rule says it better
        for pointer, problem in schema_problems(ctx, "invalid-value"):
            if pointer in explained:
                continue
            level = None
            message = problem.message
            if pointer[len(spec.root) :][:1] == ("loftq_config",) and spec.get("init_lora_weights") != "loftq":
                # LoraConfig resets an unused loftq_config to {} with a warning
                level = Level.WARNING
                message += "; PEFT ignores it unless init_lora_weights is loftq"
            yield Finding(
                message,
                pointer=pointer,
                hint=problem.hint,
                fix_suggestions=problem.fix_suggestions,
                level=level,
            )
