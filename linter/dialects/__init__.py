"""Recognise what a parsed file is, and turn LoRA configs into AdapterSpecs.

Pre-commit passes every YAML and JSON file of a repository, so recognition must be cheap and
conservative: a file is linted only when it clearly is a LoRA config; anything else is skipped
without a word. `adapter_config.json` is the exception: by its name it must be a PEFT config, so a
model `config.json` saved under that name is reported instead of skipped.

Each dialect module has `NAME`, `detect(data)` (its framework's hard signal) and `to_spec(doc)`.
They are tried in `ORDER` and the first match wins; a file that also carries another framework's
hard signal gets a `mixed-dialects` pitfall (LL601).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from linter.dialects import peft
from linter.document import Document, mentions_lora
from linter.spec import AdapterSpec, Pitfall

ADAPTER_CONFIG_NAME = "adapter_config.json"

#: Frameworks in recognition order (the issue's order: first match wins).
FRAMEWORKS = ("torchtune", "llamafactory_v1", "llamafactory", "axolotl", "unsloth", "trl")


@dataclass(frozen=True)
class Recognition:
    """What a file is: `kind` is "lora" (lint it), "model-config", "not-mapping" or "skip"."""

    kind: str
    dialect: str | None = None
    spec: AdapterSpec | None = None


def is_adapter_config_name(path: Path) -> bool:
    """`adapter_config.json`, also with a prefix (`best_adapter_config.json`, copies in a corpus)."""
    return Path(path).name.endswith(ADAPTER_CONFIG_NAME)


def _framework(name: str) -> ModuleType:
    return importlib.import_module(f"linter.dialects.{name}")


def recognise(doc: Document) -> Recognition:
    named_adapter = is_adapter_config_name(doc.path)
    data = doc.data
    if not isinstance(data, dict):
        # a list or scalar that spells LoRA keys was meant as a config (an extra `- ` at the top)
        return Recognition("not-mapping" if named_adapter or mentions_lora(doc.text) else "skip")
    if named_adapter or "peft_type" in data:
        if "peft_type" not in data and ("model_type" in data or "architectures" in data):
            return Recognition("model-config", peft.NAME)
        if not peft.is_lora_peft_type(data.get("peft_type", "LORA")):
            return Recognition("skip")
        return Recognition("lora", peft.NAME, peft.to_spec(data, named_adapter=True))
    matches = [module for module in map(_framework, FRAMEWORKS) if module.detect(data)]
    if matches:
        spec = matches[0].to_spec(doc)
        if len(matches) > 1:
            names = ", ".join(m.LABEL for m in matches)
            spec.pitfalls.append(
                Pitfall(
                    "mixed-dialects",
                    f"this file mixes the keys of several frameworks ({names}); it is read as "
                    f"{matches[0].LABEL}, and the other framework's keys do nothing there",
                )
            )
        return Recognition("lora", spec.dialect, spec)
    if peft.looks_like_lora(data):
        return Recognition("lora", peft.NAME, peft.to_spec(data))
    section = peft.find_section(data)
    if section is not None:
        return Recognition("lora", peft.NAME, peft.section_spec(data, section))
    return Recognition("skip")
