"""The axolotl dialect: a flat training YAML with `base_model`, `adapter` and `lora_*` / `peft_*` keys.

Mirrors `axolotl/loaders/adapter.py` (`load_lora`, `find_all_linear_names`): the keys become one
LoraConfig, `lora_target_linear` adds every Linear leaf name (but the output head) to
`lora_target_modules` (a regex string there is wrapped into a list and becomes a literal name), the
task type follows the model class (`reward_model: true` loads a sequence classifier), and `bias`
is always "none". axolotl's schema drops unknown keys silently, so the `lora_*` / `peft_*` keys
lora-lint does not know are reported.
"""

from __future__ import annotations

from typing import Any

from linter.document import Document
from linter.spec import AdapterSpec, Field, LinearTargets, Pitfall

NAME = "axolotl"
LABEL = "axolotl"
SCHEMA = "axolotl-lora.schema.json"

#: axolotl key -> LoraConfig field, copied as they are
_DIRECT = {
    "lora_r": "r",
    "lora_alpha": "lora_alpha",
    "lora_dropout": "lora_dropout",
    "lora_fan_in_fan_out": "fan_in_fan_out",
    "lora_target_parameters": "target_parameters",
    "peft_layers_to_transform": "layers_to_transform",
    "peft_layers_pattern": "layers_pattern",
    "peft_use_dora": "use_dora",
    "peft_use_rslora": "use_rslora",
    "peft_init_lora_weights": "init_lora_weights",
    "peft_layer_replication": "layer_replication",
    "peft_trainable_token_indices": "trainable_token_indices",
    "peft_ensure_weight_tying": "ensure_weight_tying",
}
ADAPTERS = ("lora", "qlora")


def detect(data: dict) -> bool:
    return "base_model" in data and ("adapter" in data or any(str(k).startswith("lora_") for k in data))


def _task_type(data: dict) -> Field:
    """`_get_peft_task_type`: from the class the config makes axolotl load."""
    if data.get("reward_model") is True:
        return Field("SEQ_CLS", ("reward_model",))
    if data.get("process_reward_model") is True:
        return Field("TOKEN_CLS", ("process_reward_model",))
    model_type = data.get("model_type") or data.get("type_of_model")
    if isinstance(model_type, str):
        key = "model_type" if "model_type" in data else "type_of_model"
        if "SequenceClassification" in model_type:
            return Field("SEQ_CLS", (key,))
        if "TokenClassification" in model_type:
            return Field("TOKEN_CLS", (key,))
    return Field("CAUSAL_LM", None)


def to_spec(doc: Document) -> AdapterSpec:
    data: dict[str, Any] = doc.data
    spec = AdapterSpec(NAME, schema=SCHEMA)
    fields = spec.fields
    fields["base_model_name_or_path"] = Field(data.get("base_model"), ("base_model",))
    for key in ("revision_of_model", "model_revision"):
        if isinstance(data.get(key), str):
            fields["revision"] = Field(data[key], (key,))
    for key, option in _DIRECT.items():
        if key in data and data[key] is not None:
            fields[option] = Field(data[key], (key,))
    if data.get("lora_modules_to_save"):
        fields["modules_to_save"] = Field(data["lora_modules_to_save"], ("lora_modules_to_save",))
    fields["task_type"] = _task_type(data)
    fields["bias"] = Field("none", None)
    targets = data.get("lora_target_modules")
    if targets is not None:
        fields["target_modules"] = Field(targets, ("lora_target_modules",))
    elif not data.get("lora_target_linear"):
        fields["target_modules"] = Field([], None)  # axolotl passes [] and never PEFT's defaults
    if data.get("lora_target_linear") is True:
        spec.linear_targets = LinearTargets(NAME, ("lora_target_linear",))
    _pitfalls(spec, data)
    return spec


def _pitfalls(spec: AdapterSpec, data: dict) -> None:
    adapter = data.get("adapter")
    lora_keys = [k for k in data if str(k).startswith(("lora_", "peft_")) and data[k] not in (None, False, [])]
    if adapter is None:
        spec.enabled = False
        if lora_keys:
            spec.pitfalls.append(
                Pitfall(
                    "inert-lora-settings",
                    f"`adapter` is not set, so axolotl fine-tunes the whole model and ignores "
                    f"{', '.join(f'`{k}`' for k in lora_keys[:4])}{' ...' if len(lora_keys) > 4 else ''}",
                    (lora_keys[0],),
                    on_key=True,
                    hint="add adapter: lora (or qlora)",
                    fix_suggestions=("lora",),
                )
            )
        return
    if adapter == "llama-adapter":
        spec.enabled = False  # an adaption prompt, not LoRA
        return
    if adapter not in ADAPTERS:
        spec.enabled = False
        spec.pitfalls.append(
            Pitfall(
                "framework-rejects-config",
                f"axolotl has no adapter `{adapter}` (lora, qlora or llama-adapter; the names are lowercase)",
                ("adapter",),
                fix_suggestions=("lora",)
                if str(adapter).lower() == "lora"
                else ("qlora",)
                if str(adapter).lower() == "qlora"
                else (),
            )
        )
        return
    if adapter == "qlora":
        if data.get("load_in_4bit") is not True:
            spec.pitfalls.append(
                Pitfall(
                    "framework-rejects-config",
                    "adapter: qlora needs load_in_4bit: true; axolotl refuses the config",
                    ("adapter",),
                    hint="set load_in_4bit: true, or use adapter: lora",
                )
            )
        for key in ("load_in_8bit", "gptq"):
            if data.get(key) is True:
                spec.pitfalls.append(
                    Pitfall(
                        "framework-rejects-config",
                        f"adapter: qlora cannot be combined with {key}: true; axolotl refuses the config",
                        (key,),
                        on_key=True,
                    )
                )
    targets = data.get("lora_target_modules")
    if data.get("lora_target_linear") is True and isinstance(targets, str):
        spec.pitfalls.append(
            Pitfall(
                "target-linear-with-regex",
                "with lora_target_linear, axolotl wraps the lora_target_modules string into a list, so "
                f"the regex `{targets}` becomes a literal module name that matches nothing",
                ("lora_target_modules",),
                hint="drop the regex (lora_target_linear already covers every Linear layer), or drop "
                "lora_target_linear and keep the regex",
            )
        )
    if not targets and not data.get("lora_target_linear") and not data.get("lora_target_parameters"):
        spec.pitfalls.append(
            Pitfall(
                "no-lora-targets",
                "neither lora_target_modules nor lora_target_linear is set: axolotl passes no targets "
                "and PEFT raises `No target_modules passed` (axolotl never uses PEFT's defaults)",
                ("adapter",),
                hint="set lora_target_linear: true, or list lora_target_modules",
            )
        )
