"""The shipped catalogue of popular base models: their config.json facts, with no network.

Most configs name a Hub id, and most of the popular ones are gated (every Llama): without a
token or a network a pre-commit run could only warn "model not resolved". The catalogue
(`linter/data/model_catalog.json`, written by `linter.models.generate_catalog` from a reviewed
list of facts, each with its sources) gives those models' structure offline. It is tried after
local directories and the Hugging Face cache and before the Hub, so a real `config.json` always
wins; `--no-catalog` turns it off.

Ids match case-insensitively, through the Hub's legacy names (`gpt2`), Meta's renaming of the
Llama 3.1 repositories (`Meta-Llama-3.1-8B` and `Llama-3.1-8B`), and the -Instruct / -it / -chat
siblings the catalogue says share a base's structure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class CatalogEntry:
    """One model of the catalogue, as matched for a reference."""

    id: str
    config: dict[str, Any]
    #: fields the catalogue could not establish (disputed or found nowhere): transformers' defaults
    #: stand in, so numbers that depend on them are estimates
    unknown_fields: list[str] = field(default_factory=list)
    confidence: str = ""
    sources: list[str] = field(default_factory=list)
    #: how the reference matched: "id", "alias" or "sibling"
    matched_by: str = "id"

    def describe(self) -> dict[str, Any]:
        """The `catalog` entry of a file's `model` in the JSON report."""
        return {
            "id": self.id,
            "matched_by": self.matched_by,
            "confidence": self.confidence,
            "unknown_fields": self.unknown_fields,
            "sources": len(self.sources),
        }


@cache
def catalog() -> dict[str, Any]:
    text = (resources.files("linter.data") / "model_catalog.json").read_text(encoding="utf-8")
    return json.loads(text)


def _fold(ref: str) -> str:
    """Case-folded, with Meta's `Meta-Llama-3.1-` names folded onto `Llama-3.1-`."""
    folded = ref.strip().lower()
    if folded.startswith("meta-llama/meta-llama-3.1-"):
        folded = "meta-llama/llama-3.1-" + folded[len("meta-llama/meta-llama-3.1-") :]
    return folded


@cache
def _index() -> dict[str, tuple[str, str]]:
    """Folded id -> (catalogue id, how it matches)."""
    index: dict[str, tuple[str, str]] = {}
    for model_id, facts in catalog()["models"].items():
        for sibling in facts["siblings"]:
            index.setdefault(_fold(sibling), (model_id, "sibling"))
        for alias in facts["aliases"]:
            index[_fold(alias)] = (model_id, "alias")
        index[_fold(model_id)] = (model_id, "id")
    return index


def lookup(ref: str) -> CatalogEntry | None:
    """The catalogue entry for a Hub id, or None."""
    found = _index().get(_fold(ref))
    if found is None:
        return None
    model_id, how = found
    facts = catalog()["models"][model_id]
    return CatalogEntry(
        id=model_id,
        config=dict(facts["config"]),
        unknown_fields=list(facts["unknown_fields"]),
        confidence=facts["confidence"],
        sources=list(facts["sources"]),
        matched_by=how,
    )
