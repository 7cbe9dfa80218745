"""Which rules run, and which findings are dropped: selectors, per-file ignores, inline comments.

A selector is a rule code (`LL301`), a code prefix (`LL3`), a rule name (`unmatched-target-module`)
or `ALL`. As in flake8, the most specific selector wins when `select` and `ignore` disagree (a rule
name or full code beats a prefix, a longer prefix beats a shorter one; on a tie, `ignore` wins).
Guidance rules marked opt-in run only when selected by their own code or name, never by a prefix.

YAML files may carry `# lora-lint: disable=CODE[,CODE]` on the line of a finding (or alone on the
line above it) and `# lora-lint: disable-file=CODE[,CODE]` anywhere. JSON has no comments, so it
uses `per-file-ignores`.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from linter.diagnostics import Diagnostic
from linter.rules.base import Rule
from linter.settings import Settings

_EXACT = 1_000


def _specificity(selector: str, rule: type[Rule] | Diagnostic) -> int | None:
    """How specifically `selector` names the rule: None if not at all."""
    code, name = rule.code, rule.name
    if selector in (code, name):
        return _EXACT
    if selector == "ALL":
        return 0
    if code.startswith(selector):
        return len(selector)
    return None


def _best(selectors: list[str], rule: type[Rule] | Diagnostic) -> int | None:
    scores = [s for s in (_specificity(sel, rule) for sel in selectors) if s is not None]
    return max(scores) if scores else None


def matches(selectors: list[str], rule: type[Rule] | Diagnostic) -> bool:
    """True when any selector names the rule (by code, prefix, name or ALL)."""
    return _best(selectors, rule) is not None


@dataclass
class RuleSelection:
    select: list[str] | None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Settings) -> RuleSelection:
        return cls(settings.select, settings.extend_select, settings.ignore)

    def enabled(self, rule: type[Rule]) -> bool:
        positive = list(self.extend_select) + (list(self.select) if self.select is not None else [])
        score = _best(positive, rule)
        if self.select is None and not rule.opt_in:
            score = max(score or 0, 0)  # default: every rule that is not opt-in
        if rule.opt_in and score is not None and score < _EXACT:
            score = None  # opt-in rules need their own code or name
        if score is None:
            return False
        negative = _best(self.ignore, rule)
        return negative is None or score > negative


def path_matches(pattern: str, relative: str) -> bool:
    """gitignore-like matching of a settings pattern against a path relative to the settings root."""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    bare = pattern.rstrip("/")
    if fnmatch.fnmatchcase(relative, bare) or fnmatch.fnmatchcase(relative, bare + "/*"):
        return True
    if "/" not in bare:  # a name: matches any path component, like .gitignore
        return any(fnmatch.fnmatchcase(part, bare) for part in relative.split("/"))
    return False


def relative_to(path: Path, root: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return Path(path).as_posix()


def is_excluded(path: Path, settings: Settings) -> bool:
    rel = relative_to(path, settings.root)
    return any(path_matches(pattern, rel) for pattern in settings.exclude)


def per_file_ignored(path: Path, settings: Settings) -> list[str]:
    rel = relative_to(path, settings.root)
    codes: list[str] = []
    for pattern, selectors in settings.per_file_ignores.items():
        if path_matches(pattern, rel):
            codes.extend(selectors)
    return codes


_DIRECTIVE = re.compile(r"(?:^|\s)#\s*lora-lint:\s*(disable-file|disable)\s*=\s*([A-Za-z0-9_,\- ]+)")


@dataclass
class Suppressions:
    """Inline `# lora-lint: disable=...` directives of one YAML file."""

    file: list[str] = field(default_factory=list)
    lines: dict[int, list[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Suppressions:
        found = cls()
        for number, line in enumerate(text.splitlines(), start=1):
            match = _DIRECTIVE.search(line)
            if match is None:
                continue
            codes = [c.strip() for c in match.group(2).split(",") if c.strip()]
            codes = [c.upper() if c.upper().startswith("LL") or c.upper() == "ALL" else c for c in codes]
            if match.group(1) == "disable-file":
                found.file.extend(codes)
                continue
            found.lines.setdefault(number, []).extend(codes)
            if line.lstrip().startswith("#"):  # a comment line of its own covers the next line
                found.lines.setdefault(number + 1, []).extend(codes)
        return found

    def covers(self, diagnostic: Diagnostic) -> bool:
        return matches(self.file + self.lines.get(diagnostic.span.line, []), diagnostic)
