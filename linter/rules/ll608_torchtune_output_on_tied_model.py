"""LL608 torchtune-output-on-tied-model."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import pitfall_findings


@register
class TorchtuneOutputOnTiedModel(Rule):
    """torchtune's `apply_lora_to_output` on a model that ties its output layer to its embedding.

    ## What it does
    Reports `apply_lora_to_output: true` on builders of models with tied embeddings (Llama 3.2
    1B/3B, Qwen2.5 0.5B-3B, Gemma): their output layer is the embedding, and torchtune's builder
    raises.

    ## Why it matters
    The recipe fails while building the model, or (for builders without the argument) the key is
    rejected as unexpected.

    ## Example
    ```yaml
    model:
      _component_: torchtune.models.llama3_2.lora_llama3_2_1b
      apply_lora_to_output: true
    ```
    Use instead:
    ```yaml
    model:
      _component_: torchtune.models.llama3_2.lora_llama3_2_1b
      apply_lora_to_output: false
    ```
    """

    code = "LL608"
    name = "torchtune-output-on-tied-model"
    level = Level.ERROR
    summary = "torchtune apply_lora_to_output on a builder whose model ties its embeddings."
    applies_when_disabled = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        yield from pitfall_findings(ctx, self.name)
