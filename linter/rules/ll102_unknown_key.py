"""LL102 unknown-key."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import schema_problems


@register
class UnknownKey(Rule):
    """A key that is not a LoraConfig field.

    ## What it does
    Reports keys PEFT 0.21's `LoraConfig` does not have, with the closest field name.

    In a project config that mixes LoraConfig arguments with its own settings (`learning_rate`,
    `output_dir`, ...), only keys that look like misspelt LoRA options are reported.

    ## Why it matters
    A misspelt option is an option not set: `lora_alhpa: 32` leaves alpha at its default of 8.
    PEFT before 0.14 refuses the whole file (`TypeError: unexpected keyword argument`); later
    versions drop the key with a warning nobody reads. Unknown keys inside nested settings
    (`eva_config`, `corda_config`, ...) are dropped without any warning.

    ## Example
    ```json
    {"r": 16, "lora_alhpa": 32, "target_modules": ["q_proj", "v_proj"]}
    ```
    Use instead:
    ```json
    {"r": 16, "lora_alpha": 32, "target_modules": ["q_proj", "v_proj"]}
    ```
    """

    code = "LL102"
    name = "unknown-key"
    level = Level.WARNING
    summary = "A key is not a LoraConfig field (typo hints included)."
    applies_when_disabled = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        strict = ctx.spec.strict_keys
        for pointer, problem in schema_problems(ctx, "unknown-key"):
            nested = len(pointer) > len(ctx.spec.root) + 1
            if not (strict or nested or problem.fix_suggestions or str(pointer[-1]).startswith("lora")):
                continue  # a project config's own setting, not a LoRA option
            yield Finding(
                problem.message,
                pointer=pointer,
                on_key=True,
                hint=problem.hint,
                fix_suggestions=problem.fix_suggestions,
            )
