"""LL605 framework-rejects-config."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import pitfall_findings


@register
class FrameworkRejectsConfig(Rule):
    """A LoRA setting the training framework itself refuses.

    ## What it does
    Reports values the framework's own validation rejects before training starts: axolotl
    `adapter: qlora` without `load_in_4bit: true` (or with 8-bit / GPTQ), an unknown axolotl
    adapter name, LLaMA-Factory `finetuning_type: qlora` (QLoRA there is `lora` plus
    `quantization_bit`) and its other refusals (DoRA without LoRA, LoRA with GaLore, bad
    quantisation bits), an empty torchtune `lora_attn_modules`, TRL quantisation without
    `use_peft`, an Unsloth CLI `lora.target_modules` written as a list (it takes a
    comma-separated string) or `training_type: qlora`.

    ## Why it matters
    The job fails at start-up with the framework's own error, which is cheaper to see at commit
    time than after the job was queued.

    ## Example
    ```yaml
    finetuning_type: qlora
    ```
    Use instead:
    ```yaml
    finetuning_type: lora
    quantization_bit: 4
    ```
    """

    code = "LL605"
    name = "framework-rejects-config"
    level = Level.ERROR
    summary = "The training framework itself refuses this LoRA setting."
    applies_when_disabled = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        yield from pitfall_findings(ctx, self.name)
