"""Per-file lint results, cached like ruff's: an unchanged file is not linted again.

A pre-commit hook sees the same configs run after run. The key holds everything a result depends
on: the file's bytes, how it was named, the settings that apply to it, the identity of its model
(the resolved config.json, the class built, the transformers version, whether torch is there), and
lora-lint's own code. Any change to one of them is a new key; stale entries are never consulted.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import linter
from linter.diagnostics import Diagnostic, Fix, Level, Span
from linter.models.cache import JsonStore


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """lora-lint's version and its source and data files (names, sizes, times): edits invalidate."""
    root = Path(linter.__file__).resolve().parent
    digest = hashlib.sha256(linter.__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    schemas = Path(__file__).resolve().parent.parent / "schemas"
    for path in sorted(schemas.glob("*.json")) if schemas.is_dir() else ():
        stat = path.stat()
        digest.update(f"schemas/{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def result_key(text: str, explicit: bool, settings: Any, model: Any) -> str:
    payload = json.dumps(
        {"code": code_fingerprint(), "explicit": explicit, "settings": settings, "model": model},
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha256(payload.encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def diagnostic_from_json(path: str, data: dict[str, Any]) -> Diagnostic:
    return Diagnostic(
        path=path,
        span=Span(data["line"], data["column"], data["end_line"], data["end_column"]),
        code=data["code"],
        name=data["name"],
        level=Level(data["level"]),
        message=data["message"],
        hint=data["hint"],
        fix_suggestions=tuple(data["fix_suggestions"]),
        fix=Fix.from_json(data.get("fix")),
    )


class ResultCache(JsonStore):
    kind = "results"
    format = 1
