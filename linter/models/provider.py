"""Give the engine an Inventory for a LoRA config's base model, building each model once per run.

Resolution (`linter.models.resolve`) and construction (`linter.models.meta`) are memoised: twenty
configs for the same base model cost one `config.json` lookup and one meta-device build. When the
`models` extra is missing, the provider says so once and every file falls back to schema checks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linter.models import meta, shipped
from linter.models.cache import InventoryCache, cache_key
from linter.models.inventory import Inventory
from linter.models.resolve import ModelSource, resolve_model

MODELS_EXTRA_NOTE = (
    "torch and transformers are not installed: model checks run only on the architectures lora-lint "
    "ships descriptions of, by name, without sizes. For full checks: pip install 'lora-lint[models]'"
)
SHIPPED_NOTE = "module names of {model_type} come from lora-lint's shipped description (transformers {version})"


@dataclass
class ModelOutcome:
    """The model for one file: an Inventory, or why there is none."""

    source: ModelSource | None
    inventory: Inventory | None = None
    reason: str | None = None
    message: str | None = None
    #: the task type's auto class has no model for this config; the model was built from
    #: `architectures` instead so the other checks still run
    task_type_problem: str | None = None

    def describe(self) -> dict[str, Any]:
        """The `model` entry of a file in the JSON report."""
        out: dict[str, Any] = {}
        if self.source is not None:
            out.update(ref=self.source.ref or None, revision=self.source.revision, origin=self.source.origin)
            if self.source.config_path is not None:
                out["config_path"] = str(self.source.config_path)
            if self.source.catalog is not None:
                out["catalog"] = self.source.catalog.describe()
        if self.inventory is not None:
            out.update(
                model_type=self.inventory.model_type,
                model_class=self.inventory.model_class,
                auto_class=self.inventory.auto_class,
                transformers_version=self.inventory.transformers_version,
            )
        else:
            out.update(unavailable=self.reason, message=self.message)
        return out


_DIGESTS: dict[int, tuple[dict[str, Any], str]] = {}


def config_digest(config: dict[str, Any]) -> str:
    """A hash of a config.json's content (memoised per dict: many files share one model's config)."""
    known = _DIGESTS.get(id(config))
    if known is not None and known[0] is config:
        return known[1]
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    _DIGESTS[id(config)] = (config, digest)
    return digest


class ModelProvider:
    def __init__(
        self,
        *,
        override: str | None = None,
        aliases: dict[str, tuple[str, Path]] | None = None,
        offline: bool = False,
        trust_remote_code: bool = False,
        cwd: Path | None = None,
        cache: InventoryCache | None = None,
        catalog: bool = True,
    ):
        self.override = override
        #: use the shipped catalogue of popular models (after local directories and the HF cache)
        self.catalog = catalog
        self.aliases = aliases or {}
        self.offline = offline
        self.trust_remote_code = trust_remote_code
        self.cwd = cwd or Path.cwd()
        self._sources: dict[tuple, ModelSource] = {}
        self._builds: dict[tuple, Inventory | meta.ModelBuildError] = {}
        self._available: bool | None = None
        self.cache = cache
        self._notes: list[str] = []
        #: called with "model_type (class)" just before a model is built (the CLI's progress bar)
        self.on_build: Callable[[str], None] | None = None

    @property
    def notes(self) -> list[str]:
        return self._notes + (self.cache.notes if self.cache is not None else [])

    @property
    def available(self) -> bool:
        if self._available is None:
            self._available = meta.models_available()
            if not self._available:
                self._notes.append(MODELS_EXTRA_NOTE)
        return self._available

    def source(
        self, ref: Any, revision: Any, config_dir: Path, aliases: dict[str, tuple[str, Path]] | None = None
    ) -> ModelSource:
        aliases = self.aliases if aliases is None else aliases
        key = (self.override, repr(ref), repr(revision), str(config_dir), tuple(sorted(aliases.items())))
        if key not in self._sources:
            self._sources[key] = resolve_model(
                ref,
                revision,
                config_dir=config_dir,
                cwd=self.cwd,
                aliases=aliases,
                override=self.override,
                offline=self.offline,
                catalog=self.catalog,
            )
        return self._sources[key]

    def identity(
        self,
        ref: Any,
        revision: Any,
        task_type: Any,
        config_dir: Path,
        aliases: dict[str, tuple[str, Path]] | None = None,
    ) -> list[Any]:
        """What the model check of a file depends on, cheaply (for the per-file result cache)."""
        source = self.source(ref, revision, config_dir, aliases)
        if not source.ok:
            return ["unresolved", source.reason, source.message]
        task = task_type if isinstance(task_type, str) else None
        return [
            source.origin,
            config_digest(source.config),
            meta.choose_auto_class(source.config, task),
            self.trust_remote_code,
            meta.transformers_version(),
            self.available,
            str(source.model_dir) if self.trust_remote_code else None,
        ]

    def model_for(
        self,
        ref: Any,
        revision: Any,
        task_type: Any,
        config_dir: Path,
        aliases: dict[str, tuple[str, Path]] | None = None,
    ) -> ModelOutcome:
        self.available  # noqa: B018 - says once, up front, when model checks are limited
        source = self.source(ref, revision, config_dir, aliases)
        if not source.ok:
            return ModelOutcome(source, reason=source.reason, message=source.message)
        task = task_type if isinstance(task_type, str) else None
        built = self._build(source, meta.choose_auto_class(source.config, task))
        problem = None
        if isinstance(built, meta.ModelBuildError) and built.reason == "no-class-for-task":
            problem = str(built)
            built = self._build(source, meta.choose_auto_class(source.config, None))
        if isinstance(built, meta.ModelBuildError):
            return ModelOutcome(source, reason=built.reason, message=str(built), task_type_problem=problem)
        return ModelOutcome(source, built, task_type_problem=problem)

    def _build(self, source: ModelSource, class_name: str) -> Inventory | meta.ModelBuildError:
        key = (config_digest(source.config), class_name, self.trust_remote_code)
        if key not in self._builds:
            self._builds[key] = self._cached_or_built(source, class_name)
        return self._builds[key]

    def _cached_or_built(self, source: ModelSource, class_name: str) -> Inventory | meta.ModelBuildError:
        """The cached Inventory when there is one (no torch import), else a fresh meta-device build."""
        disk_key = None
        if self.cache is not None:
            disk_key = cache_key(source.config, class_name, meta.transformers_version() or "", self.trust_remote_code)
            cached = self.cache.get(disk_key)
            if cached is not None:
                return cached
        if not self.available:
            described = shipped.inventory_for(source.config, class_name)
            if described is None:
                return meta.ModelBuildError("models-extra-missing", MODELS_EXTRA_NOTE)
            note = SHIPPED_NOTE.format(model_type=described.model_type, version=described.transformers_version)
            if note not in self._notes:
                self._notes.append(note)
            return described
        if self.on_build is not None:
            self.on_build(f"{source.config.get('model_type', 'a model')} ({class_name})")
        try:
            inventory = meta.build_inventory(
                source.config, class_name, model_dir=source.model_dir, trust_remote_code=self.trust_remote_code
            )
        except meta.ModelBuildError as exc:
            return exc
        if self.cache is not None and disk_key is not None:
            self.cache.put(disk_key, inventory)
        return inventory
