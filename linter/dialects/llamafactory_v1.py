"""The LLaMA-Factory v1 dialect: `model: <id>` plus plugin blocks such as `peft_config: {name: lora, ...}`.

Mirrors `v1/plugins/model_plugins/peft.py::get_lora_model` and `v1/config/arg_utils.py`:
`peft_config.name` picks the plugin (`lora`; `freeze` is a partial full fine-tune), and the LoRA
plugin builds `LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05, use_rslora, use_dora,
target_modules, modules_to_save)` from the mapping. `target_modules` defaults to `all`, and the
string `all` alone becomes every Linear leaf name (`_find_all_linear_modules`, replayed once the
model is known); any other string becomes a one-element list and is **not** comma-split, so
`q_proj,v_proj` is one literal module name; a list passes as it is (`[all]` included). The task type
follows the class the model is loaded with (`model_class: cls` loads a token classifier).
`adapter_name_or_path` resumes a saved adapter and ignores the other LoRA settings. String values
inside a plugin block are converted as `_convert_str_dict` does ("16" -> 16, "true" -> True).
"""

from __future__ import annotations

from typing import Any

from linter.diagnostics import Pointer
from linter.document import Document
from linter.spec import AdapterSpec, Field, LinearTargets, Pitfall

NAME = "llamafactory_v1"
LABEL = "LLaMA-Factory v1"
SCHEMA = "llamafactory-v1-lora.schema.json"

#: plugin blocks whose `name` key marks a v1 config
PLUGIN_BLOCKS = ("peft_config", "quant_config", "dist_config", "kernel_config")
PEFT_PLUGINS = ("lora", "freeze")
MODEL_CLASSES = ("llm", "cls", "other")
#: peft_config key -> LoraConfig field, with get_lora_model's default
_OPTIONS = {
    "r": ("r", 8),
    "lora_alpha": ("lora_alpha", 16),
    "lora_dropout": ("lora_dropout", 0.05),
    "use_rslora": ("use_rslora", False),
    "use_dora": ("use_dora", False),
}
#: peft_config keys that are LoRA settings (ignored when an adapter is resumed)
LORA_SETTINGS = ("r", "lora_alpha", "lora_dropout", "target_modules", "use_rslora", "use_dora", "modules_to_save")


def _block(data: dict, key: str) -> dict | None:
    value = data.get(key)
    return value if isinstance(value, dict) and "name" in value else None


def detect(data: dict) -> bool:
    return any(_block(data, key) is not None for key in PLUGIN_BLOCKS)


def convert(value: Any) -> Any:
    """`_convert_str_dict` on one value: "true"/"false" -> bool, digits -> int, a decimal -> float."""
    if isinstance(value, dict):
        return {k: convert(v) for k, v in value.items()}
    if isinstance(value, str):
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        if value.isdigit():
            return int(value)
        if value.replace(".", "", 1).isdigit():
            return float(value)
    return value


def _task_type(data: dict) -> Field:
    """`get_lora_model`: from the loaded class's name; `model_class: cls` loads a token classifier."""
    if data.get("model_class") == "cls":
        return Field("TOKEN_CLS", ("model_class",))
    return Field("CAUSAL_LM", None)


def to_spec(doc: Document) -> AdapterSpec:
    data: dict[str, Any] = doc.data
    spec = AdapterSpec(NAME, schema=SCHEMA)
    fields = spec.fields
    if isinstance(data.get("model"), str):
        fields["base_model_name_or_path"] = Field(data["model"], ("model",))
    fields["task_type"] = _task_type(data)
    _model_pitfalls(spec, data)
    peft = data.get("peft_config")
    if not isinstance(peft, dict):
        spec.enabled = False  # no PEFT plugin: a full fine-tune
        return spec
    config = convert(peft)
    name = config.get("name")
    if name != "lora":
        spec.enabled = False
        _other_plugin(spec, config, name)
        return spec
    for key, (option, default) in _OPTIONS.items():
        if key in config:
            fields[option] = Field(config[key], ("peft_config", key))
        else:
            fields[option] = Field(default, None)
    if config.get("modules_to_save") is not None:
        fields["modules_to_save"] = Field(config["modules_to_save"], ("peft_config", "modules_to_save"))
    fields["bias"] = Field("none", None)
    _targets(spec, config)
    _resumed(spec, config)
    return spec


def _targets(spec: AdapterSpec, config: dict) -> None:
    pointer: Pointer = ("peft_config", "target_modules")
    if "target_modules" not in config:
        spec.linear_targets = LinearTargets("llamafactory-v1", ("peft_config",))
        return
    value = config["target_modules"]
    if value == "all":
        spec.linear_targets = LinearTargets("llamafactory-v1", pointer)
    elif isinstance(value, str):
        # one literal module name: no comma split, no regex
        spec.fields["target_modules"] = Field([value], pointer, (pointer,))
    else:
        spec.fields["target_modules"] = Field(value, pointer)


def _resumed(spec: AdapterSpec, config: dict) -> None:
    """`load_adapter`: the saved adapter's settings win, this block's LoRA settings are ignored."""
    if not config.get("adapter_name_or_path"):
        return
    spec.enabled = False
    settings = [k for k in LORA_SETTINGS if k in config]
    if settings:
        spec.pitfalls.append(
            Pitfall(
                "inert-lora-settings",
                "with adapter_name_or_path, LLaMA-Factory v1 loads that adapter with its own saved settings "
                "and ignores " + ", ".join(f"`{k}`" for k in settings),
                ("peft_config", settings[0]),
                on_key=True,
                hint="merge the adapter into the base model first to train a new one, or remove the LoRA settings",
            )
        )


def _other_plugin(spec: AdapterSpec, config: dict, name: Any) -> None:
    if name == "freeze":
        settings = [k for k in LORA_SETTINGS if k in config]
        if settings:
            spec.pitfalls.append(
                Pitfall(
                    "inert-lora-settings",
                    "peft_config name: freeze trains whole layers, so LLaMA-Factory v1 ignores "
                    + ", ".join(f"`{k}`" for k in settings),
                    ("peft_config", settings[0]),
                    on_key=True,
                    hint="set name: lora, or remove the LoRA settings",
                )
            )
        return
    if name is None:
        spec.pitfalls.append(
            Pitfall(
                "framework-rejects-config",
                "peft_config has no `name`: LLaMA-Factory v1 stops with "
                "`ValueError: Plugin configuration must have a 'name' field.`",
                ("peft_config",),
                hint="add name: lora",
            )
        )
        return
    lora = isinstance(name, str) and name.lower() in ("lora", "qlora")
    spec.pitfalls.append(
        Pitfall(
            "framework-rejects-config",
            f"LLaMA-Factory v1 has no PEFT plugin `{name}` (lora or freeze): it stops with "
            f"`ValueError: Plugin '{name}' is not registered under PeftPlugin.`",
            ("peft_config", "name"),
            hint="QLoRA in v1 is name: lora plus quant_config: {name: bnb, quantization_bit: 4}"
            if lora and name.lower() == "qlora"
            else None,
            fix_suggestions=("lora",) if lora else (),
        )
    )


def _model_pitfalls(spec: AdapterSpec, data: dict) -> None:
    model_class = data.get("model_class", "llm")
    if model_class not in MODEL_CLASSES:
        spec.pitfalls.append(
            Pitfall(
                "framework-rejects-config",
                f"LLaMA-Factory v1 has no model_class `{model_class}` (llm, cls or other): it refuses the config",
                ("model_class",),
                fix_suggestions=tuple(c for c in MODEL_CLASSES if c == str(model_class).lower()),
            )
        )
    quant = _block(data, "quant_config")
    if quant is not None:
        quant = convert(quant)
        bits = quant.get("quantization_bit")
        if quant.get("name") in ("bnb", "auto") and bits is not None and bits not in (4, 8):
            spec.pitfalls.append(
                Pitfall(
                    "framework-rejects-config",
                    f"quantization_bit: {bits} with bitsandbytes: LLaMA-Factory v1 stops with "
                    "`ValueError: Bitsandbytes only accepts 4-bit or 8-bit quantization.`",
                    ("quant_config", "quantization_bit"),
                    fix_suggestions=("4", "8"),
                )
            )
    init = _block(data, "init_config")
    peft = _block(data, "peft_config")
    if init is not None and init.get("name") == "init_on_meta" and peft is not None and peft.get("name") == "lora":
        spec.pitfalls.append(
            Pitfall(
                "framework-rejects-config",
                "LoRA cannot start from a model loaded on the meta device: LLaMA-Factory v1 stops with "
                "`ValueError: Currently lora stage does not support loading model by meta.`",
                ("init_config", "name"),
            )
        )
