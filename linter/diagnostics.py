"""The data that flows out of the rules: positions, levels and diagnostics.

Rules yield `Finding`s that name a place in the document by JSON pointer; the engine turns each into
a `Diagnostic` with a resolved line:column, the rule's code and level. Reporters only format
Diagnostics, so everything a report needs is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

#: A path into a parsed document: mapping keys and sequence indices, like a JSON pointer.
Pointer = tuple[str | int, ...]


class Level(str, Enum):
    """How bad a finding is. Only `error` fails a run by default (`--strict` adds `warning`)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, order=True)
class Span:
    """A 1-based region of a file; the end column points just past the last character."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int) -> Span:
        return cls(line, column, line, column + 1)


FILE_START = Span(1, 1, 1, 1)


@dataclass(frozen=True)
class Replacement:
    """A safe fix as a rule states it: write `value` where the document holds `replaces`.

    `pointer` names the value to replace (default: the finding's own pointer). It may name a node of
    the document (a scalar or a list) or a name inside a comma-separated scalar that a dialect gave
    a span of its own (LLaMA-Factory's `lora_target`). `value` is a string or a list of strings.
    The engine turns it into text edits (`Fix`) only when the edit provably writes exactly `value`
    and leaves everything else as it was (see `linter.fix.resolve`); otherwise the finding is simply
    not fixable.
    """

    replaces: Any
    value: Any
    message: str
    pointer: Pointer | None = None


@dataclass(frozen=True)
class Edit:
    """Replace the text of `span` (1-based, end exclusive) with `content`; `original` is the text replaced."""

    span: Span
    content: str
    original: str

    def to_json(self) -> dict:
        return {
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "content": self.content,
            "original": self.original,
        }

    @classmethod
    def from_json(cls, data: dict) -> Edit:
        span = Span(data["line"], data["column"], data["end_line"], data["end_column"])
        return cls(span, data["content"], data["original"])


@dataclass(frozen=True)
class Fix:
    """Text edits that fix one diagnostic, all applied or none (`applicability` as in ruff)."""

    message: str
    edits: tuple[Edit, ...]
    applicability: str = "safe"

    def to_json(self) -> dict:
        return {
            "applicability": self.applicability,
            "message": self.message,
            "edits": [edit.to_json() for edit in self.edits],
        }

    @classmethod
    def from_json(cls, data: dict | None) -> Fix | None:
        if data is None:
            return None
        return cls(data["message"], tuple(Edit.from_json(e) for e in data["edits"]), data["applicability"])


@dataclass(frozen=True)
class Finding:
    """What a rule reports: where (a pointer, or an explicit span) and what to write instead.

    `on_key` places the finding on the mapping key rather than on its value (for unknown or
    misplaced keys). `level` overrides the rule's default level when one rule has two severities.
    `fix` is a safe, machine-applicable replacement (`lora-lint --fix`), when there is one.
    """

    message: str
    pointer: Pointer = ()
    on_key: bool = False
    hint: str | None = None
    fix_suggestions: tuple[str, ...] = ()
    span: Span | None = None
    level: Level | None = None
    fix: Replacement | None = None


@dataclass(frozen=True)
class Diagnostic:
    """A finding made concrete: a file, a position, a rule code and level, a message."""

    path: str
    span: Span
    code: str
    name: str
    level: Level
    message: str
    hint: str | None = None
    fix_suggestions: tuple[str, ...] = field(default_factory=tuple)
    fix: Fix | None = None

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.code, self.message)

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "code": self.code,
            "name": self.name,
            "level": self.level.value,
            "message": self.message,
            "hint": self.hint,
            "fix_suggestions": list(self.fix_suggestions),
            "fix": self.fix.to_json() if self.fix is not None else None,
        }
