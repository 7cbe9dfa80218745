"""Recognise what a parsed file is, and turn LoRA configs into AdapterSpecs.

Pre-commit passes every YAML and JSON file of a repository, so recognition must be cheap and
conservative: a file is linted only when it clearly is a LoRA config; anything else is skipped
without a word. `adapter_config.json` is the exception: by its name it must be a PEFT config, so a
model `config.json` saved under that name is reported instead of skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from linter.dialects import peft
from linter.document import Document
from linter.spec import AdapterSpec

ADAPTER_CONFIG_NAME = "adapter_config.json"


@dataclass(frozen=True)
class Recognition:
    """What a file is: `kind` is "lora" (lint it), "model-config", "not-mapping" or "skip"."""

    kind: str
    dialect: str | None = None
    spec: AdapterSpec | None = None


def is_adapter_config_name(path: Path) -> bool:
    """`adapter_config.json`, also with a prefix (`best_adapter_config.json`, copies in a corpus)."""
    return Path(path).name.endswith(ADAPTER_CONFIG_NAME)


def recognise(doc: Document) -> Recognition:
    named_adapter = is_adapter_config_name(doc.path)
    data = doc.data
    if not isinstance(data, dict):
        return Recognition("not-mapping" if named_adapter else "skip")
    if named_adapter:
        if "peft_type" not in data and ("model_type" in data or "architectures" in data):
            return Recognition("model-config", peft.NAME)
        if not peft.is_lora_peft_type(data.get("peft_type", "LORA")):
            return Recognition("skip")
        return Recognition("lora", peft.NAME, peft.to_spec(data, named_adapter=True))
    if peft.looks_like_lora(data):
        return Recognition("lora", peft.NAME, peft.to_spec(data))
    return Recognition("skip")
