"""An on-disk cache of Inventories, so a run whose models were all seen before never imports torch.

Building a model on the meta device is cheap; importing torch and transformers is not (3 to 4 s).
An Inventory is plain data, so it is stored as JSON under a key that changes whenever the result
could: a hash of the canonical `config.json`, the class built, the transformers version, whether
remote code was trusted, and the Inventory format. Writes go to a temporary file and are renamed
into place, so two processes filling the cache at once corrupt nothing; an entry that does not
parse or does not match its key is ignored and rebuilt, never trusted. If the directory cannot be
written, caching turns itself off for the run with one note.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linter.models.inventory import INVENTORY_FORMAT, Inventory

CACHE_ENV = "LORA_LINT_CACHE_DIR"


def default_cache_dir() -> Path:
    """`LORA_LINT_CACHE_DIR`, else the platform's user cache directory (XDG on Linux)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "lora-lint" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "lora-lint"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lora-lint"


def cache_key(config: dict[str, Any], class_name: str, transformers_version: str, trust_remote_code: bool) -> str:
    canonical = json.dumps(
        {
            "config": config,
            "class": class_name,
            "transformers": transformers_version,
            "trust_remote_code": trust_remote_code,
            "format": INVENTORY_FORMAT,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class CacheInfo:
    path: Path
    entries: int
    bytes: int


class JsonStore:
    """Atomic, self-healing JSON entries under one directory, each stamped with its key."""

    kind = "entries"
    format = 1

    def __init__(self, root: Path | None = None, enabled: bool = True, notes: list[str] | None = None):
        self.directory = (root or default_cache_dir()) / self.kind
        self.enabled = enabled
        self.notes = notes if notes is not None else []

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def read(self, key: str) -> Any:
        """The payload stored under `key`, or None (missing, corrupt, truncated or foreign)."""
        if not self.enabled:
            return None
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
            if not isinstance(entry, dict) or entry.get("key") != key or entry.get("format") != self.format:
                return None
            return entry["payload"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, key: str, payload: Any) -> None:
        if not self.enabled:
            return
        entry = {"format": self.format, "key": key, "payload": payload}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(entry, handle, separators=(",", ":"))
                os.replace(tmp, self._path(key))
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self.enabled = False
            note = f"the lora-lint cache at {self.directory.parent} is not writable ({exc.strerror}); caching is off"
            if note not in self.notes:
                self.notes.append(note)

    def info(self) -> CacheInfo:
        files = list(self.directory.glob("*.json")) if self.directory.is_dir() else []
        return CacheInfo(self.directory, len(files), sum(f.stat().st_size for f in files))

    def clear(self) -> int:
        removed = 0
        if self.directory.is_dir():
            for path in self.directory.glob("*.json"):
                path.unlink(missing_ok=True)
                removed += 1
        return removed


class InventoryCache(JsonStore):
    """Inventories by `cache_key`: a warm run needs no model build and no torch import."""

    kind = "inventories"
    format = INVENTORY_FORMAT

    def get(self, key: str) -> Inventory | None:
        payload = self.read(key)
        if payload is None:
            return None
        try:
            return Inventory.from_dict(payload)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # a foreign shape: rebuilt and overwritten

    def put(self, key: str, inventory: Inventory) -> None:
        self.write(key, inventory.to_dict())
