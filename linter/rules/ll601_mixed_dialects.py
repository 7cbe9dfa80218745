"""LL601 mixed-dialects."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import pitfall_findings


@register
class MixedDialects(Rule):
    """A config that mixes two training frameworks' keys.

    ## What it does
    Reports a file that carries the hard signals of more than one framework: axolotl's
    `base_model` with TRL's `use_peft`, LLaMA-Factory's `finetuning_type` next to axolotl's
    `adapter`, and so on. The file is read as the first framework that matches (torchtune,
    LLaMA-Factory v1, LLaMA-Factory, axolotl, Unsloth, TRL); the other framework's keys do nothing.

    ## Why it matters
    Such files are usually copy-pasted from two recipes: the LoRA settings that look active (the
    other framework's `lora_r`, `use_peft`) are never read, and the run trains something else.

    ## Example
    ```yaml
    base_model: meta-llama/Llama-3.1-8B
    adapter: lora
    use_peft: true          # TRL's switch: axolotl ignores it
    lora_r: 16
    ```
    Use instead:
    ```yaml
    base_model: meta-llama/Llama-3.1-8B
    adapter: lora
    lora_r: 16
    ```
    """

    code = "LL601"
    name = "mixed-dialects"
    level = Level.WARNING
    summary = "A file mixes the keys of two frameworks."
    applies_when_disabled = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        yield from pitfall_findings(ctx, self.name)
