"""Generate `linter/data/model_catalog.json`, the shipped catalogue of popular base models (needs torch).

    python -m linter.models.generate_catalog ../shared/reference/model-catalog.json

The source is a reviewed catalogue of structural config facts, every value with its sources
(repository:path@commit or a Hub page). What it lists as disputed or not found is left out, so
the transformers default applies and the output marks the numbers that depend on it as estimates.
For each model this keeps the facts and their provenance, the ids that share its structure, and
the parameter count of the model built from those facts on the meta device (stamped with the
transformers version), which `tests/test_catalog.py` checks against the published sizes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "data" / "model_catalog.json"
CATALOG_FORMAT = 1

#: Hub ids that redirect to a catalogue id (the Hub's legacy names for the same repository)
LEGACY_IDS = {
    "openai-community/gpt2": ["gpt2"],
    "google-bert/bert-base-uncased": ["bert-base-uncased"],
    "FacebookAI/roberta-base": ["roberta-base"],
    "google-t5/t5-base": ["t5-base"],
    "EleutherAI/pythia-1b": [],
}

#: The catalogue's rule for siblings ("base-vs-Instruct siblings differ in non-structural fields,
#: not in module structure"), except where its notes say a sibling's structure differs.
SIBLING_SUFFIXES = ("-Instruct", "-it", "-chat")
NO_SIBLINGS = {
    "mistralai/Mixtral-8x22B-v0.1": "its Instruct sibling has vocab_size 32768, the base's is disputed",
}


def siblings(model_id: str) -> list[str]:
    """The -Instruct / -it / -chat ids that share this base's structure (and Llama 2's -chat-hf)."""
    if model_id in NO_SIBLINGS or model_id.endswith(SIBLING_SUFFIXES):
        return []
    if model_id.endswith("-hf"):  # meta-llama/Llama-2-7b-hf -> meta-llama/Llama-2-7b-chat-hf
        return [model_id[: -len("-hf")] + "-chat-hf"]
    version = re.search(r"-v\d+(\.\d+)?$", model_id)
    if version:  # mistralai/Mistral-7B-v0.1 -> mistralai/Mistral-7B-Instruct-v0.1
        return [model_id[: version.start()] + "-Instruct" + version.group()]
    return [model_id + suffix for suffix in SIBLING_SUFFIXES]


def parameter_count(config: dict[str, Any]) -> int:
    """Every parameter of the model the facts describe, built on the meta device (tied ones once)."""
    from linter.models.meta import build_inventory, choose_auto_class

    return build_inventory(config, choose_auto_class(config, None)).total_parameters


def entry(model_id: str, source: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(source.get("not_found_fields", [])) | set(source.get("disputed", {})))
    config = dict(source["config"])
    return {
        "config": config,
        "unknown_fields": unknown,
        "confidence": source["confidence"],
        "sources": source["sources"],
        "notes": source.get("notes", []),
        "aliases": LEGACY_IDS.get(model_id, []),
        "siblings": siblings(model_id),
        "parameters": parameter_count(config),
    }


def generate(source_path: Path) -> dict[str, Any]:
    from linter.models.meta import transformers_version

    source = json.loads(source_path.read_text(encoding="utf-8"))
    return {
        "format": CATALOG_FORMAT,
        "generated_from": "../shared/reference/model-catalog.json",
        "transformers_version": transformers_version(),
        "models": {model_id: entry(model_id, facts) for model_id, facts in source.items()},
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - a command for maintainers
    if len(sys.argv) != 2:
        sys.exit("usage: python -m linter.models.generate_catalog ../shared/reference/model-catalog.json")
    OUTPUT.write_text(render(generate(Path(sys.argv[1]))), encoding="utf-8")
    print(f"wrote {OUTPUT}")
