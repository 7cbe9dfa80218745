"""LL604 no-lora-targets."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import pitfall_findings


@register
class NoLoraTargets(Rule):
    """A framework config that turns LoRA on but names no modules to adapt.

    ## What it does
    Reports an axolotl config with `adapter: lora` (or `qlora`) and neither
    `lora_target_modules`, `lora_target_linear` nor `lora_target_parameters` (unlike PEFT,
    axolotl never falls back to PEFT's per-architecture defaults: it passes an empty list), a
    torchtune config whose `lora_attn_modules` entries are all unknown to torchtune with the MLP
    and output switches off, and an Unsloth config whose targets are all moved to
    `modules_to_save`.

    ## Why it matters
    PEFT raises `No target_modules passed but also no target_parameters found` when the model is
    set up, after the download and the data preprocessing.

    ## Example
    ```yaml
    base_model: NousResearch/Llama-3.2-1B
    adapter: lora
    lora_r: 16
    ```
    Use instead:
    ```yaml
    base_model: NousResearch/Llama-3.2-1B
    adapter: lora
    lora_r: 16
    lora_target_linear: true
    ```
    """

    code = "LL604"
    name = "no-lora-targets"
    level = Level.ERROR
    summary = "A framework config that enables LoRA but names no targets."
    applies_when_disabled = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        yield from pitfall_findings(ctx, self.name)
