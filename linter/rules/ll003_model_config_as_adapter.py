"""LL003 model-config-as-adapter."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register


@register
class ModelConfigAsAdapter(Rule):
    """An `adapter_config.json` that holds a model's `config.json`.

    ## What it does
    Reports an `adapter_config.json` with `model_type` or `architectures` and no `peft_type`: the
    content of a transformers model config saved under the adapter's file name.

    ## Why it matters
    `PeftModel.from_pretrained` reads it as a PEFT config and fails with
    `PeftConfig.__init__() got an unexpected keyword argument '_name_or_path'` (PEFT issue #1661),
    usually because a merged model and an adapter were saved into the same folder.

    ## Example
    ```json
    {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096}
    ```
    Use instead: the file `PeftModel.save_pretrained` writes:
    ```json
    {"peft_type": "LORA", "base_model_name_or_path": "meta-llama/Llama-3.1-8B", "r": 8,
     "lora_alpha": 16, "target_modules": ["q_proj", "v_proj"], "task_type": "CAUSAL_LM"}
    ```
    """

    code = "LL003"
    name = "model-config-as-adapter"
    level = Level.ERROR
    summary = "adapter_config.json holds a model config.json, not a PEFT config."
    applies_to = frozenset({"model-config"})

    def check(self, ctx: Context) -> Iterator[Finding]:
        data = ctx.document.data
        key = "model_type" if "model_type" in data else "architectures"
        yield Finding(
            f"this adapter_config.json is a model config.json (it has `{key}` and no `peft_type`): "
            "PEFT cannot load it as an adapter",
            pointer=(key,),
            on_key=True,
            hint="save the adapter with PeftModel.save_pretrained, and the model's config.json elsewhere",
        )
