"""SARIF 2.1.0 as GitHub code scanning reads it (`--format sarif`).

One run; `tool.driver.rules` describes every rule (id, name, short and full description, help as
text and markdown from the rule's page, default level, tags), so `ruleIndex` is stable from run to
run. Each result has its rule, level, message, one location with a region (start and end line and
column; columns count Unicode code points, as `columnKind` says) and an artifact URI relative to the
repository root (`uriBaseId: %SRCROOT%`, given in `originalUriBaseIds`). `partialFingerprints`
holds a `primaryLocationLineHash` computed from the rule, the path, the offending line's text and
the flagged text itself, plus an occurrence index, so an alert keeps its identity when lines are
added above it (GitHub fills this in only when it is missing). Safe fixes are given as SARIF
`fixes`. The required properties follow GitHub's "SARIF support for code scanning" page.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from linter import __version__
from linter.diagnostics import Diagnostic, Level, Span
from linter.engine import RunResult
from linter.fix import Positions
from linter.report.paths import relative_to_root, source_root
from linter.rules import Rule, all_rules

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/lora-lint/lora-lint"
LEVELS = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "note"}
SEVERITY = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "recommendation"}
CATEGORIES = {
    "LL0": "document",
    "LL1": "schema",
    "LL2": "model",
    "LL3": "targets",
    "LL4": "task",
    "LL5": "size",
    "LL6": "framework",
}
#: GitHub's limit for shortDescription.text and fullDescription.text
MAX_DESCRIPTION = 1024


def _limit(text: str, size: int = MAX_DESCRIPTION) -> str:
    text = " ".join(text.split())
    if len(text) <= size:
        return text
    cut = text[: size - 1].rsplit(" ", 1)[0]
    return cut + "…"


def full_description(rule: type[Rule]) -> str:
    """The docstring's first line and its "What it does" section, as plain text of at most 1024 characters."""
    doc = rule.documentation()
    title, _, rest = doc.partition("\n")
    match = re.search(r"^## What it does\n(.*?)(?=^## |\Z)", rest, flags=re.S | re.M)
    body = match.group(1) if match else rest.split("\n## ", 1)[0]
    return _limit(f"{title.strip()} {body.strip()}")


def rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    from linter.docs import rule_markdown

    page = rule_markdown(rule)
    tags = ["lora", "peft", CATEGORIES.get(rule.code[:3], "other")]
    if rule.requires_model:
        tags.append("needs-model")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _limit(rule.summary)},
        "fullDescription": {"text": full_description(rule)},
        "help": {"text": page, "markdown": page},
        "helpUri": f"{INFORMATION_URI}/blob/main/docs/rules.md#{rule.code.lower()}",
        "defaultConfiguration": {"level": LEVELS[rule.level]},
        "properties": {"tags": tags, "problem.severity": SEVERITY[rule.level]},
    }


def _region(span: Span) -> dict[str, int]:
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": max(span.end_column, span.column) if span.end_line == span.line else span.end_column,
    }


class _Sources:
    """The text of reported files, read once, for fingerprints."""

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self.texts: dict[str, Positions | None] = {}

    def snippet(self, d: Diagnostic) -> tuple[str, str]:
        """The stripped text of the finding's first line, and the flagged text on it."""
        if d.path not in self.texts:
            try:
                raw = (self.cwd / d.path).read_bytes()
                self.texts[d.path] = Positions(raw.decode("utf-8-sig", errors="replace"))
            except OSError:
                self.texts[d.path] = None
        positions = self.texts[d.path]
        if positions is None:
            return "", ""
        start = positions.offset(d.span.line, 1)
        if start is None:
            return "", ""
        stop = positions.starts[d.span.line] if d.span.line < len(positions.starts) else len(positions.text)
        line = positions.text[start:stop].rstrip("\r\n\x85\u2028\u2029")
        begin = positions.offset(d.span.line, d.span.column)
        end = positions.offset(d.span.end_line, d.span.end_column) if d.span.end_line == d.span.line else None
        flagged = positions.text[begin:end] if begin is not None and end is not None else ""
        return line.strip(), flagged


def _directory_uri(path: Path) -> str:
    uri = path.as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _artifact(uri: str, relative: bool) -> dict[str, str]:
    return {"uri": uri, "uriBaseId": "%SRCROOT%"} if relative else {"uri": uri}


def render(result: RunResult, *, cwd: Path | None = None, **_: object) -> str:
    cwd = cwd or Path.cwd()
    root = source_root(cwd)
    rules = list(all_rules().values())
    index = {rule.code: i for i, rule in enumerate(rules)}
    sources = _Sources(cwd)
    seen: dict[str, int] = {}
    results = []
    for d in result.diagnostics:
        relative = relative_to_root(d.path, cwd, root)
        uri = quote(relative, safe="/") if relative is not None else (cwd / d.path).resolve().as_uri()
        artifact = _artifact(uri, relative is not None)
        line, flagged = sources.snippet(d)
        digest = hashlib.sha256("\0".join((d.code, uri, line, flagged)).encode("utf-8")).hexdigest()[:32]
        seen[digest] = seen.get(digest, 0) + 1
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        entry: dict[str, Any] = {
            "ruleId": d.code,
            "level": LEVELS[d.level],
            "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": _region(d.span)}}],
            "partialFingerprints": {"primaryLocationLineHash": f"{digest}:{seen[digest]}"},
        }
        if d.code in index:
            entry["ruleIndex"] = index[d.code]
        if d.fix is not None:
            entry["fixes"] = [
                {
                    "description": {"text": d.fix.message},
                    "artifactChanges": [
                        {
                            "artifactLocation": artifact,
                            "replacements": [
                                {"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.content}}
                                for edit in d.fix.edits
                            ],
                        }
                    ],
                }
            ]
        results.append(entry)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "lora-lint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(rule) for rule in rules],
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": _directory_uri(root)}},
        "columnKind": "unicodeCodePoints",
        "invocations": [
            {
                "executionSuccessful": True,
                "workingDirectory": {"uri": _directory_uri(Path(cwd).absolute())},
                "toolExecutionNotifications": [{"level": "note", "message": {"text": note}} for note in result.notes],
            }
        ],
        "results": results,
    }
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
