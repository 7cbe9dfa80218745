"""The PEFT dialect: `adapter_config.json`, or LoraConfig keyword arguments in YAML / JSON.

Keys are LoraConfig field names already, so the AdapterSpec is the mapping itself; the schema stage
reports keys PEFT does not know.
"""

from __future__ import annotations

from typing import Any

from linter.peft_facts import LORA_CONFIG_FIELDS
from linter.spec import AdapterSpec, Field

NAME = "peft"

#: Keys that only a LoRA config has next to `target_modules` / `target_parameters`.
LORA_KEYS = frozenset(
    {"r", "lora_alpha", "lora_dropout", "use_dora", "use_rslora", "init_lora_weights", "lora_bias", "fan_in_fan_out"}
)


def is_lora_peft_type(value: Any) -> bool:
    return not isinstance(value, str) or value.upper() == "LORA"


def looks_like_lora(data: dict) -> bool:
    """A top-level mapping that is a PEFT LoRA config (not some other YAML with an `r` key)."""
    peft_type = data.get("peft_type")
    if isinstance(peft_type, str):
        return peft_type.upper() == "LORA"
    has_targets = "target_modules" in data or "target_parameters" in data
    return has_targets and any(key in data for key in LORA_KEYS)


def to_spec(data: dict) -> AdapterSpec:
    fields = {key: Field(value, (key,)) for key, value in data.items() if key in LORA_CONFIG_FIELDS}
    return AdapterSpec(NAME, fields)
