"""From an AdapterSpec to PEFT's replay on its base model: the one step `lint`, `explain` and `suggest` share.

The order matters and must not drift between the linter and the commands built on it: resolve the
base model (or say why there is none), expand the framework's all-linear switch against that model,
replay PEFT's targeting, and size the adapter only when PEFT would accept the config and the
inventory knows parameter shapes (a shipped, name-only description does not).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from linter.adapter_size import AdapterSize, adapter_size
from linter.models.provider import ModelOutcome, ModelProvider
from linter.spec import AdapterSpec
from linter.targets import TargetAnalysis, analyze


@dataclass
class ModelReplay:
    """What the base model made of a spec. `problem` says why there is no model, if there is none."""

    spec: AdapterSpec
    outcome: ModelOutcome | None = None
    analysis: TargetAnalysis | None = None
    #: None when PEFT would raise or the inventory has no shapes
    size: AdapterSize | None = None
    #: the spec names no model and cannot (the dialect's reason), unless --model overrides it
    problem: str | None = None


def replay_on_model(
    spec: AdapterSpec, provider: ModelProvider, config_path: Path, aliases: dict | None = None
) -> ModelReplay:
    """Resolve `spec`'s base model relative to the config at `config_path` and replay PEFT on it."""
    if spec.model_ref is None and spec.model_problem and not provider.override:
        return ModelReplay(spec, problem=spec.model_problem)
    outcome = provider.model_for(
        spec.model_ref, spec.revision, spec.task_type, Path(os.path.abspath(config_path)).parent, aliases
    )
    replay = ModelReplay(spec, outcome)
    if outcome.inventory is None:
        return replay
    replay.spec = spec = spec.resolved(outcome.inventory)
    options = spec.peft_options()
    replay.analysis = analyze(options, outcome.inventory)
    if not replay.analysis.failures and outcome.inventory.shapes:
        replay.size = adapter_size(options, outcome.inventory, replay.analysis)
    return replay
