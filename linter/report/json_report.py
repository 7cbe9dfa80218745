"""Machine-readable output: one JSON object with `files` and `diagnostics`."""

from __future__ import annotations

import json

from linter import __version__
from linter.diagnostics import Level
from linter.engine import RunResult


def render(result: RunResult, **_: object) -> str:
    payload = {
        "version": __version__,
        "files": [f.to_json() for f in result.files],
        "diagnostics": [d.to_json() for d in result.diagnostics],
        "summary": {
            "files": len(result.files),
            "errors": result.count(Level.ERROR),
            "warnings": result.count(Level.WARNING),
            "infos": result.count(Level.INFO),
        },
        "notes": result.notes,
    }
    return json.dumps(payload, indent=2) + "\n"
