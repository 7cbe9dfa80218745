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
        for key in MODEL_KEYS:
            if isinstance(data.get(key), str):
                fields["base_model_name_or_path"] = Field(data[key], (key,))
                break
    return AdapterSpec(NAME, fields, strict_keys=is_pure(data, named_adapter))
