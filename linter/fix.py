"""Safe fixes: turn a rule's `Replacement` into text edits, apply them, write files atomically.

A rule states a fix as data ("write `v_proj` where the file says `v_prj`", at a JSON pointer). The
engine calls `resolve`, which finds the value's exact place in the file's text and renders the new
value in the file's own style (the same quotes, a JSON-style flow list `["q_proj", "v_proj"]`, which
is valid YAML and JSON alike). A fix is offered only when applying it provably writes exactly the
intended value: the edited text is parsed again and its data must equal the old data with that one
value replaced. Anything else (a comment inside the replaced text, an anchor, a block scalar, a
value that also appears elsewhere through an alias) leaves the finding unfixable rather than risk
an edit the user did not ask for.

`Fixer` applies the fixes of a run: per file, non-overlapping edits at their recorded positions (so
comments, key order and formatting stay), then it lints the new text again and repeats until
nothing is left to fix. A file that does not parse is never touched; a file is written atomically
(a temporary file in the same directory, then `os.replace`), keeping its mode bits, and never
through a symlink that leads out of the linted tree.
"""

from __future__ import annotations

import codecs
import copy
import difflib
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from linter.diagnostics import Edit, Fix, Pointer, Replacement, Span
from linter.document import Document, detect_format, parse_text

if TYPE_CHECKING:
    from linter.engine import FileResult, Linter, RunResult

#: the line breaks PyYAML counts (its Reader): CR LF, LF, a lone CR, NEL, LS, PS
_LINE_BREAK = re.compile("\r\n|[\n\x85\u2028\u2029]|\r")
#: a name that can be written bare inside a comma-separated scalar or as a plain YAML scalar
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
#: what lies between a block sequence's key and its first item when the value can move up to the key's line
_BLOCK_GAP = re.compile(r"[ \t]*:[ \t]*(?:\r\n|\r|\n)[ \t]*")
_MISSING = object()
#: a file is fixed, linted again and fixed again at most this often (fixes can uncover fixes)
MAX_ROUNDS = 10


# --------------------------------------------------------------------------- positions


class Positions:
    """Convert between 1-based line:column (as PyYAML counts them) and offsets into one text."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]

    def offset(self, line: int, column: int) -> int | None:
        if not 1 <= line <= len(self.starts) or column < 1:
            return None
        start = self.starts[line - 1]
        stop = self.starts[line] if line < len(self.starts) else len(self.text)
        segment = self.text[start:stop]
        if "\ufeff" not in segment:  # PyYAML does not count a BOM as a column
            offset = start + column - 1
            return offset if offset <= stop else None
        counted, index = 1, start
        while counted < column and index < stop:
            if self.text[index] != "\ufeff":
                counted += 1
            index += 1
        return index if counted == column else None

    def position(self, offset: int) -> tuple[int, int]:
        low, high = 0, len(self.starts) - 1
        while low < high:  # the last line start at or before offset
            mid = (low + high + 1) // 2
            if self.starts[mid] <= offset:
                low = mid
            else:
                high = mid - 1
        start = self.starts[low]
        return low + 1, offset - start - self.text.count("\ufeff", start, offset) + 1

    def span(self, start: int, end: int) -> Span:
        return Span(*self.position(start), *self.position(end))

    def range(self, span: Span) -> tuple[int, int] | None:
        start = self.offset(span.line, span.column)
        end = self.offset(span.end_line, span.end_column)
        if start is None or end is None or end < start:
            return None
        return start, end


# --------------------------------------------------------------------------- resolving a Replacement


def _get(data: Any, pointer: Pointer) -> Any:
    for part in pointer:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return _MISSING
    return data


def _replaced(data: Any, pointer: Pointer, value: Any) -> Any:
    """A deep copy of `data` with the value at `pointer` (which exists) replaced."""
    if not pointer:
        return copy.deepcopy(value)
    out = copy.deepcopy(data)
    parent = _get(out, pointer[:-1])
    parent[pointer[-1]] = copy.deepcopy(value)
    return out


def _style(original: str) -> str | None:
    """How a YAML scalar is written: 'double', 'single', 'plain', or None (block scalar, tag, anchor...)."""
    first = original[:1]
    if first == '"':
        return "double"
    if first == "'":
        return "single"
    if not first or first in "|>&!*[]{}#-?:,@`%":
        return None
    return "plain"


def _plain_ok(value: str) -> bool:
    """`value` written bare reads back as the same string (`on`, `null` or `1` would not)."""
    if not _NAME.match(value):
        return False
    try:
        return yaml.safe_load(value) == value
    except yaml.YAMLError:
        return False


def _scalar(value: str, style: str, fmt: str) -> str:
    if fmt == "json" or style == "double":
        return _double(value)
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    return value if _plain_ok(value) else _double(value)


def _double(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _flow_list(values: list[str], style: str, fmt: str) -> str:
    return "[" + ", ".join(_scalar(v, style, fmt) for v in values) + "]"


def _render(value: Any, style: str, fmt: str) -> str | None:
    if isinstance(value, str):
        return _scalar(value, style, fmt)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return _flow_list(value, style, fmt)
    return None


def resolve(replacement: Replacement, finding_pointer: Pointer, doc: Document) -> Fix | None:
    """The text edit that writes `replacement.value` in place of `replacement.replaces`, or None.

    None whenever the edit cannot be shown to be exact: the value is not where the pointer says,
    the replaced text holds a comment, the style cannot be kept, or the edited text would not parse
    back to the same data with just this one value changed.
    """
    if doc.error is not None or not doc.text:
        return None
    pointer = tuple(replacement.pointer if replacement.pointer is not None else finding_pointer)
    span = doc.value_spans.get(pointer)
    positions = Positions(doc.text)
    bounds = positions.range(span) if span is not None else None
    if bounds is None:
        return None
    current = _get(doc.data, pointer)
    if current is _MISSING:
        planned = _inside_scalar(replacement, pointer, doc, bounds)
    elif current != replacement.replaces:
        return None  # the rule saw another value here (a dialect's derived name, an alias...)
    elif isinstance(current, str):
        planned = _scalar_value(replacement, doc, bounds)
    elif isinstance(current, list) and current and isinstance(replacement.value, str):
        planned = _list_to_scalar(replacement, pointer, doc, positions, bounds, len(current))
    else:
        return None
    if planned is None:
        return None
    start, end, content = planned
    original = doc.text[start:end]
    if doc.format == "yaml" and "#" in original:
        return None  # never delete a comment
    expected = _expected(doc.data, pointer, current, replacement)
    text = doc.text[:start] + content + doc.text[end:]
    if expected is _MISSING or not _parses_to(text, doc, expected):
        return None
    return Fix(replacement.message, (Edit(positions.span(start, end), content, original),))


def _expected(data: Any, pointer: Pointer, current: Any, replacement: Replacement) -> Any:
    """The document's data as the fix must leave it: only the one value changed."""
    if current is not _MISSING:
        return _replaced(data, pointer, replacement.value)
    parent = _get(data, pointer[:-1])  # a name inside a comma-separated scalar
    return _replaced(data, pointer[:-1], parent.replace(replacement.replaces, replacement.value, 1))


Planned = tuple[int, int, str]  # start offset, end offset, new text


def _scalar_value(replacement: Replacement, doc: Document, bounds: tuple[int, int]) -> Planned | None:
    """A one-line scalar replaced by a scalar or a flow list, in the scalar's quoting style."""
    start, end = bounds
    original = doc.text[start:end]
    style = "double" if doc.format == "json" else _style(original)
    if style is None or "\n" in original or "\r" in original:
        return None
    content = _render(replacement.value, style, doc.format)
    return None if content is None else (start, end, content)


def _list_to_scalar(
    replacement: Replacement, pointer: Pointer, doc: Document, positions: Positions, bounds: tuple[int, int], size: int
) -> Planned | None:
    """A list replaced by a scalar written like the list's first item (`[all-linear]` -> `all-linear`)."""
    text = doc.text
    start, end = bounds
    first = doc.value_spans.get(pointer + (0,))
    last = doc.value_spans.get(pointer + (size - 1,))
    first_bounds = positions.range(first) if first is not None else None
    last_bounds = positions.range(last) if last is not None else None
    if first_bounds is None or last_bounds is None:
        return None
    style = "double" if doc.format == "json" else _style(text[first_bounds[0] : first_bounds[1]])
    content = _render(replacement.value, style, doc.format) if style is not None else None
    if content is None:
        return None
    if text[start] == "[":  # a flow list: its span is exactly `[...]`
        return start, end, content
    if doc.format != "yaml" or text[start] != "-":
        return None
    # a block sequence: its node ends where the next key starts; the value ends with its last item
    end = last_bounds[1]
    key = doc.key_spans.get(pointer)
    key_bounds = positions.range(key) if key is not None else None
    gap = text[key_bounds[1] : start] if key_bounds is not None else ""
    if key_bounds is not None and _BLOCK_GAP.fullmatch(gap):  # `key:\n  - x` becomes `key: x`
        return key_bounds[1] + gap.index(":") + 1, end, " " + content
    # the value stays on its own line, where the item was (`- x` becomes `  x`)
    return start, end, text[start : first_bounds[0]].replace("-", " ", 1) + content


def _inside_scalar(
    replacement: Replacement, pointer: Pointer, doc: Document, bounds: tuple[int, int]
) -> Planned | None:
    """One name inside a comma-separated scalar that a dialect split, with a span of its own."""
    if not pointer:
        return None
    parent = _get(doc.data, pointer[:-1])
    old, new = replacement.replaces, replacement.value
    if not (isinstance(parent, str) and isinstance(old, str) and isinstance(new, str)):
        return None
    start, end = bounds
    if doc.text[start:end] != old or parent.count(old) != 1 or not _NAME.match(new):
        return None
    return start, end, new


def _parses_to(text: str, doc: Document, expected: Any) -> bool:
    """The edited text parses, to exactly `expected` (and, in YAML, without a duplicated key)."""
    fixed = parse_text(text, doc.path, doc.format)
    if fixed.error is not None or fixed.data != expected:
        return False
    return doc.format == "json" or not fixed.duplicates  # JSON positions are composed only on demand


# --------------------------------------------------------------------------- applying edits


def apply_fixes(text: str, fixes: list[Fix]) -> tuple[str, list[Fix]]:
    """`text` with every fix whose edits still match and overlap no earlier fix; and those fixes.

    Fixes are taken in the order of their first edit; one that overlaps an accepted fix waits for
    the next round (the file is linted again in between).
    """
    positions = Positions(text)
    planned: list[tuple[int, int, Fix, list[tuple[int, int, str]]]] = []
    for fix in fixes:
        ranges = []
        for edit in fix.edits:
            bounds = positions.range(edit.span)
            if bounds is None or text[bounds[0] : bounds[1]] != edit.original:
                break
            ranges.append((bounds[0], bounds[1], edit.content))
        else:
            if ranges:
                ranges.sort()
                planned.append((ranges[0][0], ranges[-1][1], fix, ranges))
    planned.sort(key=lambda item: (item[0], item[1]))
    accepted: list[tuple[int, int, str]] = []
    applied: list[Fix] = []
    last_end = -1
    for _, _, fix, ranges in planned:
        if any(s < last_end for s, _, _ in ranges) or _overlap(ranges):
            continue
        accepted.extend(ranges)
        applied.append(fix)
        last_end = max(e for _, e, _ in ranges)
    out, cursor = [], 0
    for start, end, content in sorted(accepted):
        out.append(text[cursor:start])
        out.append(content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out), applied


def _overlap(ranges: list[tuple[int, int, str]]) -> bool:
    return any(a[1] > b[0] for a, b in zip(ranges, ranges[1:], strict=False))


# --------------------------------------------------------------------------- writing files


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write `data` to `path` through a temporary file in the same directory and `os.replace`.

    `mode` keeps the permission bits of the file replaced; a new file gets the usual 0o666 less
    the umask (a temporary file alone would be 0o600).
    """
    directory = path.parent
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _inside(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


# --------------------------------------------------------------------------- a run's fixes


@dataclass
class FileFix:
    """What fixing one file did (or, with --diff, would do)."""

    path: Path
    shown: str
    before: str
    after: str
    fixed: int
    #: why the file was left as it is although it had fixes (a note for the user), else None
    skipped: str | None = None

    @property
    def changed(self) -> bool:
        return self.after != self.before and self.skipped is None

    def diff(self) -> str:
        return unified_diff(self.before, self.after, self.shown)


@dataclass
class FixReport:
    files: list[FileFix] = field(default_factory=list)

    @property
    def fixed(self) -> int:
        return sum(f.fixed for f in self.files if f.changed)

    @property
    def changed(self) -> list[FileFix]:
        return [f for f in self.files if f.changed]

    @property
    def notes(self) -> list[str]:
        return [f"{f.shown}: not fixed: {f.skipped}" for f in self.files if f.skipped]


class Fixer:
    """Apply the safe fixes of a run's files; with `write=False` only compute them (--diff)."""

    def __init__(self, linter: Linter, roots: list[Path], *, write: bool):
        self.linter = linter
        self.write = write
        #: the linted tree: the directories named, and the directories of the files named
        self.roots = [os.path.realpath(r if r.is_dir() else r.parent) for r in roots]

    def run(self, result: RunResult) -> FixReport:
        report = FixReport()
        for index, file_result in enumerate(result.files):
            if file_result.kind == "parse-error" or not any(d.fix for d in file_result.diagnostics):
                continue
            outcome, relinted = self.fix_file(file_result)
            report.files.append(outcome)
            if relinted is not None and outcome.changed:
                result.files[index] = relinted
        return report

    def fix_file(self, file_result: FileResult) -> tuple[FileFix, FileResult | None]:
        from linter.discover import Candidate

        path = Path(file_result.path)  # as shown: relative to the working directory, or as named
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            return FileFix(path, file_result.path, "", "", 0, skipped=f"cannot read it ({exc})"), None
        outcome = FileFix(path, file_result.path, text, text, 0)
        if parse_text(text, path, detect_format(path, text)).error is not None:
            outcome.skipped = "it does not parse"
            return outcome, None
        candidate = Candidate(path, True)
        current = self.linter.lint(candidate, text=text)
        for _ in range(MAX_ROUNDS):
            fixes = [d.fix for d in current.diagnostics if d.fix is not None] if current is not None else []
            new_text, applied = apply_fixes(outcome.after, fixes)
            if not applied or new_text == outcome.after:
                break
            if parse_text(new_text, path, detect_format(path, new_text)).error is not None:
                break  # cannot happen for resolved fixes; never write a file that does not parse
            relinted = self.linter.lint(candidate, text=new_text)
            if relinted is None:
                break
            outcome.after, outcome.fixed, current = new_text, outcome.fixed + len(applied), relinted
        if outcome.after == text:
            return outcome, current
        if self.write:
            outcome.skipped = self._write(path, raw, outcome.after)
        return outcome, current

    def _write(self, path: Path, raw: bytes, text: str) -> str | None:
        """Write the fixed text; a reason when the file is left alone."""
        real = os.path.realpath(path)
        if real != os.path.abspath(path) and not _inside(real, self.roots):
            return f"it is a symlink to {real}, outside the linted tree"
        try:
            if Path(real).read_bytes() != raw:
                return "it changed on disk while it was being fixed"
            mode = stat.S_IMODE(os.stat(real).st_mode)
            bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
            write_atomic(Path(real), bom + text.encode("utf-8"), mode)
        except OSError as exc:
            return f"cannot write it ({exc.strerror or exc})"
        return None


def unified_diff(before: str, after: str, shown: str) -> str:
    """A unified diff (`--- a/path`, `+++ b/path` as git writes them, for `git apply`), marking a last
    line without a newline as diff does. An absolute path is shown as it is."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=shown if os.path.isabs(shown) else f"a/{shown}",
        tofile=shown if os.path.isabs(shown) else f"b/{shown}",
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)
