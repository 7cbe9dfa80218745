"""LL607 torchtune-module-name."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import pitfall_findings


@register
class TorchtuneModuleName(Rule):
    """A `lora_attn_modules` entry outside torchtune's own names.

    ## What it does
    torchtune names its attention projections `q_proj`, `k_proj`, `v_proj` and `output_proj`
    (the MLP is switched on with `apply_lora_to_mlp`, the output layer with
    `apply_lora_to_output`). This rule reports any other entry, with the torchtune name to use
    (`o_proj` -> `output_proj`).

    ## Why it matters
    torchtune skips unknown names silently while building the model, trains without them, and
    fails only when it saves the first checkpoint (`Unknown target module o_proj`), hours in.

    ## Example
    ```yaml
    model:
      _component_: torchtune.models.llama3_1.lora_llama3_1_8b
      lora_attn_modules: [q_proj, k_proj, v_proj, o_proj]
    ```
    Use instead:
    ```yaml
    model:
      _component_: torchtune.models.llama3_1.lora_llama3_1_8b
      lora_attn_modules: [q_proj, k_proj, v_proj, output_proj]
    ```

    ## Fix safety
    `--fix` renames an entry that has exactly one torchtune name (`o_proj`, `out_proj`, `dense`
    or `wo` -> `output_proj`; a quoted `'q_proj'` -> `q_proj`), unless the list already holds it.
    MLP and output-layer names need a switch changed instead, and are left to you.
    """

    code = "LL607"
    name = "torchtune-module-name"
    level = Level.ERROR
    summary = "A torchtune lora_attn_modules entry that torchtune does not know."
    applies_when_disabled = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        yield from pitfall_findings(ctx, self.name)
