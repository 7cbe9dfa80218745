"""Machine-readable output: one JSON object with `files` and `diagnostics`.

A diagnostic with a safe fix carries it as `fix`: `applicability`, `message` and the text `edits`
(line, column, end, the new `content` and the `original` text it replaces); else `fix` is null.
"""

from __future__ import annotations

import json

from linter import __version__
from linter.diagnostics import Level
from linter.engine import RunResult


def render(result: RunResult, *, fixed: tuple[int, int] | None = None, **_: object) -> str:
    payload = {
        "version": __version__,
        "files": [f.to_json() for f in result.files],
        "diagnostics": [d.to_json() for d in result.diagnostics],
        "summary": {
            "files": len(result.files),
            "errors": result.count(Level.ERROR),
            "warnings": result.count(Level.WARNING),
            "infos": result.count(Level.INFO),
            "fixable": sum(1 for d in result.diagnostics if d.fixable),
        },
        "notes": result.notes,
    }
    if fixed is not None:
        payload["summary"]["fixed"] = fixed[0]
    return json.dumps(payload, indent=2) + "\n"
