"""GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` line per finding.

`::error file=configs/lora.yaml,line=4,col=5,endLine=4,endColumn=12,title=lora-lint (LL301)::message`
GitHub turns each into an annotation on the file and line. Errors come first, then warnings, then
notices: a step shows only the first ten of each kind, so the ones that fail the run must not be
crowded out. Paths are relative to the repository root, as GitHub resolves them. The message is
escaped as actions/toolkit's `escapeData` does (`%`, CR, LF) and property values as its
`escapeProperty` (also `:` and `,`). The runner drops an annotation that has columns but spans
several lines, so `col` / `endColumn` are given only for a span on one line.
"""

from __future__ import annotations

from pathlib import Path

from linter.diagnostics import Diagnostic, Level
from linter.engine import RunResult
from linter.report.paths import ci_path, source_root

COMMANDS = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic, file: str) -> str:
    span = d.span
    properties = [("file", file), ("line", str(span.line))]
    if span.end_line == span.line:
        properties += [("col", str(span.column)), ("endLine", str(span.end_line))]
        properties.append(("endColumn", str(max(span.end_column, span.column))))
    else:
        properties.append(("endLine", str(span.end_line)))
    properties.append(("title", f"lora-lint ({d.code})"))
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
    return f"::{COMMANDS[d.level]} {joined}::{escape_data(message)}"


def render(result: RunResult, *, cwd: Path | None = None, **_: object) -> str:
    cwd = cwd or Path.cwd()
    root = source_root(cwd)
    ordered = sorted(result.diagnostics, key=lambda d: (d.level.rank, *d.sort_key()))
    lines = [annotation(d, ci_path(d.path, cwd, root)) for d in ordered]
    return "\n".join(lines) + ("\n" if lines else "")
