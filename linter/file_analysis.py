"""One config file through the engine's pipeline, keeping every intermediate result.

`Linter.lint` turns a file into findings and keeps only what the reports need. `explain` and
`suggest` need the pieces themselves: the AdapterSpec (after the framework's all-linear switch is
expanded), the model's Inventory, PEFT's replayed targeting and the adapter size. This module runs
the same steps with the same functions (`read_document` / `parse_text`, `recognise`,
`replay_on_model`) as `Linter.lint`, and returns them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from linter.adapter_size import AdapterSize
from linter.dialects import Recognition, recognise
from linter.document import Document, read_document
from linter.model_replay import replay_on_model
from linter.models.inventory import Inventory
from linter.models.provider import ModelOutcome, ModelProvider
from linter.settings import SettingsResolver
from linter.spec import AdapterSpec
from linter.targets import TargetAnalysis


@dataclass
class FileAnalysis:
    """A config file as the engine sees it. `problem` says why there is no analysis, if there is none."""

    document: Document
    recognition: Recognition | None = None
    #: the spec with the framework's all-linear switch expanded against the model
    spec: AdapterSpec | None = None
    outcome: ModelOutcome | None = None
    analysis: TargetAnalysis | None = None
    #: None when PEFT would raise or the inventory has no shapes
    size: AdapterSize | None = None
    problem: str | None = None

    @property
    def inventory(self) -> Inventory | None:
        return self.outcome.inventory if self.outcome is not None else None

    @property
    def dialect(self) -> str | None:
        return self.recognition.dialect if self.recognition is not None else None


def analyze_document(doc: Document, provider: ModelProvider, settings: SettingsResolver | None = None) -> FileAnalysis:
    """Recognise a parsed document, resolve its base model and replay PEFT on it."""
    result = FileAnalysis(doc)
    if doc.error is not None:
        result.problem = f"the file cannot be parsed: {doc.error.message}"
        return result
    recognition = recognise(doc)
    result.recognition = recognition
    if recognition.kind != "lora" or recognition.spec is None:
        result.problem = {
            "model-config": "it is a model config.json, not a LoRA config",
            "not-mapping": "it does not hold a mapping of LoRA options",
        }.get(recognition.kind, "lora-lint does not recognise it as a LoRA config")
        return result
    spec = recognition.spec
    result.spec = spec
    if not spec.enabled:
        result.problem = "the framework does not train LoRA with this file (LoRA is turned off)"
        return result
    aliases = settings.for_file(doc.path).models if settings is not None else None
    replay = replay_on_model(spec, provider, doc.path, aliases)
    if replay.problem is not None:
        result.problem = replay.problem
        return result
    outcome = result.outcome = replay.outcome
    if outcome.inventory is None:
        result.problem = f"its base model is not available: {outcome.message or outcome.reason}"
        return result
    result.spec, result.analysis, result.size = replay.spec, replay.analysis, replay.size
    return result


def analyze_file(path: Path, provider: ModelProvider, settings: SettingsResolver | None = None) -> FileAnalysis:
    """`analyze_document` on the file at `path`."""
    return analyze_document(read_document(path), provider, settings)
