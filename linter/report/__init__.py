"""Reporters only format a RunResult; they decide nothing. `REPORTERS` maps --format names to them."""

from __future__ import annotations

from collections.abc import Callable

from linter.engine import RunResult
from linter.report import concise, github, json_report, sarif, text

REPORTERS: dict[str, Callable[..., str]] = {
    "text": text.render,
    "concise": concise.render,
    "json": json_report.render,
    "github": github.render,
    "sarif": sarif.render,
}


def render(result: RunResult, fmt: str, **options: object) -> str:
    return REPORTERS[fmt](result, **options)
