"""The PEFT dialect: `adapter_config.json`, or LoraConfig keyword arguments in YAML / JSON.

Keys are LoraConfig field names already, so the AdapterSpec is those fields. Two kinds of file use
this dialect: pure LoRA configs (an `adapter_config.json`, or a file whose keys are mostly
LoraConfig fields), where every other key is reported as unknown; and project configs that mix
LoraConfig keyword arguments with their own training settings, where only keys that look like
misspelt LoRA options are reported. A project config often names its model under another key, so
the base model falls back to the usual model keys.
"""

from __future__ import annotations

from typing import Any

from linter.diagnostics import Pointer
from linter.peft_facts import LORA_CONFIG_FIELDS
from linter.spec import AdapterSpec, Field

NAME = "peft"

#: Keys that only a LoRA config has next to `target_modules` / `target_parameters`.
LORA_KEYS = frozenset(
    {
        "r",
        "lora_alpha",
        "lora_dropout",
        "use_dora",
        "use_rslora",
        "init_lora_weights",
        "lora_bias",
        "fan_in_fan_out",
    }
)

#: Where a project config names its base model when `base_model_name_or_path` is absent.
MODEL_KEYS = ("model_name_or_path", "base_model", "model_name", "model_id", "model")


def is_lora_peft_type(value: Any) -> bool:
    return not isinstance(value, str) or value.upper() == "LORA"


def looks_like_lora(data: dict) -> bool:
    """A top-level mapping that is a PEFT LoRA config (not some other YAML with an `r` key)."""
    peft_type = data.get("peft_type")
    if isinstance(peft_type, str):
        return peft_type.upper() == "LORA"
    has_targets = "target_modules" in data or "target_parameters" in data
    return has_targets and any(key in data for key in LORA_KEYS)


def is_pure(data: dict, named_adapter: bool) -> bool:
    """True when the file is a LoRA config and nothing else, so every unknown key is suspect."""
    if named_adapter or "peft_type" in data:
        return True
    known = sum(1 for key in data if key in LORA_CONFIG_FIELDS)
    return known * 3 >= len(data) * 2  # two thirds or more of the keys are LoraConfig fields


def to_spec(data: dict, named_adapter: bool = False) -> AdapterSpec:
    fields = {key: Field(value, (key,)) for key, value in data.items() if key in LORA_CONFIG_FIELDS}
    if "base_model_name_or_path" not in fields:
        model = _model_key(data, ())
        if model is not None:
            fields["base_model_name_or_path"] = model
    return AdapterSpec(NAME, fields, strict_keys=is_pure(data, named_adapter))


#: Keys that hold a LoraConfig's keyword arguments inside a project config.
SECTION_KEYS = ("peft_config", "lora_config", "lora")


def _is_lora_section(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    known = [key for key in value if key in LORA_CONFIG_FIELDS]
    return len(known) >= 2 and any(k in value for k in ("r", "target_modules", "peft_type", "lora_alpha"))


def find_section(data: dict, pointer: Pointer = (), depth: int = 0) -> Pointer | None:
    """The pointer of the first `peft_config:` / `lora_config:` / `lora:` mapping of LoraConfig keywords."""
    for key, value in data.items():
        if key in SECTION_KEYS and _is_lora_section(value):
            return pointer + (key,)
    if depth < 3:
        for key, value in data.items():
            if isinstance(value, dict):
                found = find_section(value, pointer + (key,), depth + 1)
                if found is not None:
                    return found
    return None


def _at(data: Any, pointer: Pointer) -> Any:
    for part in pointer:
        data = data[part]
    return data


def _model_key(data: dict, pointer: Pointer) -> Field | None:
    """The nearest string under a model key: in the mapping at `pointer`, then in its ancestors."""
    while True:
        mapping = _at(data, pointer)
        for key in MODEL_KEYS + ("base_model_name_or_path",):
            if isinstance(mapping, dict) and isinstance(mapping.get(key), str):
                return Field(mapping[key], pointer + (key,))
        if not pointer:
            return None
        pointer = pointer[:-1]


def section_spec(data: dict, section: Pointer) -> AdapterSpec:
    """A project config with a LoraConfig section: the section is the spec, the model the nearest key."""
    mapping = _at(data, section)
    fields = {key: Field(value, section + (key,)) for key, value in mapping.items() if key in LORA_CONFIG_FIELDS}
    if "base_model_name_or_path" not in fields:
        model = _model_key(data, section[:-1])
        if model is not None:
            fields["base_model_name_or_path"] = model
    return AdapterSpec(NAME, fields, root=section, strict_keys=True)
