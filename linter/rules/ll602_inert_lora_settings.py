"""LL602 inert-lora-settings."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import pitfall_findings


@register
class InertLoraSettings(Rule):
    """LoRA settings that do nothing because the framework does not train LoRA.

    ## What it does
    Reports `lora_*` settings in a config whose framework switch for LoRA is off: TRL without
    `use_peft: true`, axolotl without `adapter`, LLaMA-Factory with a `finetuning_type` other
    than `lora`, Unsloth with `training_type: full`.

    ## Why it matters
    The run is a full fine-tune: every weight trains, memory use explodes or the job is killed,
    and the rank, alpha and targets that were reviewed are never used.

    ## Example
    ```yaml
    model_name_or_path: mistralai/Mistral-7B-v0.1
    lora_r: 16
    lora_target_modules: [q_proj, v_proj]
    ```
    Use instead:
    ```yaml
    model_name_or_path: mistralai/Mistral-7B-v0.1
    use_peft: true
    lora_r: 16
    lora_target_modules: [q_proj, v_proj]
    ```
    """

    code = "LL602"
    name = "inert-lora-settings"
    level = Level.WARNING
    summary = "LoRA settings that the framework ignores because LoRA is off."
    applies_when_disabled = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        yield from pitfall_findings(ctx, self.name)
