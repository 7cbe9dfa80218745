"""One line per finding, `path:line:col: CODE [*] message`, no hints (ruff's `concise`); then the summary."""

from __future__ import annotations

from linter.engine import RunResult
from linter.report.text import finding_line, summary


def render(
    result: RunResult, *, quiet: bool = False, color: bool = False, fixed: tuple[int, int] | None = None, **_: object
) -> str:
    lines = [finding_line(d, color) for d in result.diagnostics]
    if not quiet:
        lines.extend(summary(result, fixed=fixed, color=color))
    return "\n".join(lines) + ("\n" if lines else "")
