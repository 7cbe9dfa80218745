"""Helpers for the `inspect` / `explain` / `suggest` tests: a warm inventory cache for CLI subprocesses.

A first run builds each model on the meta device (importing torch, 3 to 6 s); every later run reads
the Inventory from the cache. Filling a cache in-process once lets the CLI subprocesses of these
tests run as a user's second run does, instead of paying the torch import each time.
"""

from __future__ import annotations

from pathlib import Path

from linter.models.cache import InventoryCache
from linter.models.provider import ModelProvider
from tests.support import FIXTURE_MODELS, ROOT


def fill_cache(root: Path, models: list[tuple[str, str | None]]) -> dict[str, str]:
    """Build (fixture model, task type) pairs into a cache at `root`; the environment that uses it."""
    provider = ModelProvider(offline=True, cache=InventoryCache(root=root))
    for name, task in models:
        ref = str(FIXTURE_MODELS / name) if (FIXTURE_MODELS / name).is_dir() else name
        outcome = provider.model_for(ref, None, task, ROOT)
        assert outcome.inventory is not None, outcome.message
    return {"LORA_LINT_CACHE_DIR": str(root)}
