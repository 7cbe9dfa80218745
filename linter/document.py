"""Read a YAML or JSON file once into plain data plus a position map.

Every later stage names places by JSON pointer; this module is the only one that knows how a
pointer maps back to line:column. PyYAML's composer gives node marks for YAML and, after tabs are
replaced by spaces (JSON has no raw tabs inside strings, so columns stay right), for JSON too.
Duplicate keys are found here because `yaml.safe_load` and `json.loads` silently keep the last one.

Only plain YAML tags are constructed: a `!!python/...` or any custom tag is refused with a finding,
never resolved, so reading a file never runs code.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter import limits
from linter.diagnostics import FILE_START, Pointer, Span

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SAFE_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:binary",
    "tag:yaml.org,2002:value",
}


@dataclass(frozen=True)
class ParseError:
    """Why a file could not be read, and where."""

    message: str
    span: Span


@dataclass(frozen=True)
class DuplicateKey:
    pointer: Pointer
    span: Span
    first_span: Span


@dataclass
class Document:
    """One config file: its text, its data, and where every key and value sits.

    For JSON the positions are found only when first asked for: most JSON files a hook sees are not
    LoRA configs (or have no finding), and `json.loads` alone is many times faster than composing.
    """

    path: Path
    format: str  # "json" | "yaml"
    text: str = ""
    data: Any = None
    error: ParseError | None = None
    _key_spans: dict[Pointer, Span] = field(default_factory=dict, repr=False)
    _value_spans: dict[Pointer, Span] = field(default_factory=dict, repr=False)
    _duplicates: list[DuplicateKey] = field(default_factory=list, repr=False)
    #: fills the three maps above on first use (JSON), then is dropped
    _locate: Any = field(default=None, repr=False)

    def _located(self) -> None:
        if self._locate is not None:
            locate, self._locate = self._locate, None
            locate(self)

    @property
    def key_spans(self) -> dict[Pointer, Span]:
        self._located()
        return self._key_spans

    @property
    def value_spans(self) -> dict[Pointer, Span]:
        self._located()
        return self._value_spans

    @property
    def duplicates(self) -> list[DuplicateKey]:
        self._located()
        return self._duplicates

    def span(self, pointer: Pointer, on_key: bool = False) -> Span:
        """The span of the value (or key) at `pointer`, else of its nearest located ancestor."""
        pointer = tuple(pointer)
        if on_key and pointer in self.key_spans:
            return self.key_spans[pointer]
        while pointer:
            if pointer in self.value_spans:
                return self.value_spans[pointer]
            if pointer in self.key_spans:
                return self.key_spans[pointer]
            pointer = pointer[:-1]
        return self.value_spans.get((), FILE_START)

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


class _TooBig(Exception):
    def __init__(self, message: str, node: Node | None = None):
        super().__init__(message)
        self.node = node


def _span_of(node: Node) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _mark_span(mark: Any) -> Span:
    if mark is None:
        return FILE_START
    return Span.point(mark.line + 1, mark.column + 1)


class _Walker:
    """Builds data and the position map from a composed node tree, with node and depth budgets."""

    def __init__(self) -> None:
        self.constructor = SafeConstructor()
        self.key_spans: dict[Pointer, Span] = {}
        self.value_spans: dict[Pointer, Span] = {}
        self.duplicates: list[DuplicateKey] = []
        self.visited = 0

    def build(self, node: Node, pointer: Pointer = (), depth: int = 0) -> Any:
        self.visited += 1
        if self.visited > limits.MAX_NODES:
            raise _TooBig(
                f"document expands to more than {limits.MAX_NODES} nodes (YAML aliases used as a bomb?)", node
            )
        container = isinstance(node, (MappingNode, SequenceNode))
        if container and depth >= limits.MAX_DEPTH:
            raise _TooBig(f"document is nested deeper than {limits.MAX_DEPTH} levels", node)
        self.value_spans[pointer] = _span_of(node)
        if isinstance(node, MappingNode):
            _require_tag(node, _MAP_TAG)
            return self._mapping(node, pointer, depth)
        if isinstance(node, SequenceNode):
            _require_tag(node, _SEQ_TAG)
            return [self.build(child, pointer + (i,), depth + 1) for i, child in enumerate(node.value)]
        if node.tag not in _SAFE_SCALAR_TAGS:
            raise ConstructorError(None, None, f"YAML tag {node.tag!r} is not allowed", node.start_mark)
        return self.constructor.construct_object(node, deep=True)

    def _key(self, node: Node) -> Any:
        if not isinstance(node, ScalarNode) or node.tag not in _SAFE_SCALAR_TAGS:
            raise ConstructorError(None, None, "mapping keys must be plain scalars", node.start_mark)
        key = self.constructor.construct_object(node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        return key

    def _drop(self, prefix: Pointer) -> None:
        """Forget every position at or under `prefix` (a duplicate key's discarded value)."""
        size = len(prefix)
        for spans in (self.key_spans, self.value_spans):
            for pointer in [p for p in spans if p[:size] == prefix]:
                del spans[pointer]

    def _mapping(self, node: MappingNode, pointer: Pointer, depth: int) -> dict:
        result: dict = {}
        first_seen: dict[Any, Span] = {}
        merged: dict = {}
        merged_keys: dict[Pointer, Span] = {}
        merged_values: dict[Pointer, Span] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                data, keys, values = self._merge_sources(value_node, pointer, depth)
                merged.update(data)
                merged_keys.update(keys)
                merged_values.update(values)
                continue
            key = self._key(key_node)
            key_span = _span_of(key_node)
            child = pointer + (key,)
            if key in first_seen:
                self.duplicates.append(DuplicateKey(child, key_span, first_seen[key]))
                self._drop(child)  # the later value wins, as in yaml.safe_load and json.loads
            first_seen[key] = key_span
            self.key_spans[child] = key_span
            result[key] = self.build(value_node, child, depth + 1)
        for key, value in merged.items():
            if key in result:
                continue  # an explicit key overrides a merged one
            result[key] = value
            child = pointer + (key,)
            for source, target in ((merged_keys, self.key_spans), (merged_values, self.value_spans)):
                target.update({p: span for p, span in source.items() if p[: len(child)] == child})
        return result

    def _merge_sources(
        self, node: Node, pointer: Pointer, depth: int
    ) -> tuple[dict, dict[Pointer, Span], dict[Pointer, Span]]:
        """Build the mappings of a `<<` merge key, located at their anchors, the first one winning."""
        if isinstance(node, SequenceNode):
            _require_tag(node, _SEQ_TAG)
            sources = node.value
        else:
            sources = [node]
        saved = (self.key_spans, self.value_spans, self.duplicates)
        self.key_spans, self.value_spans, self.duplicates = {}, {}, []
        merged: dict = {}
        try:
            for source in reversed(sources):
                if not isinstance(source, MappingNode):
                    raise ConstructorError(None, None, "a YAML merge key (<<) needs a mapping", source.start_mark)
                _require_tag(source, _MAP_TAG)
                self.visited += 1
                merged.update(self._mapping(source, pointer, depth + 1))
            scratch = (self.key_spans, self.value_spans)
        finally:
            # duplicates inside an anchor are reported where the anchor is defined
            self.key_spans, self.value_spans, self.duplicates = saved
        return merged, scratch[0], scratch[1]


def _require_tag(node: Node, tag: str) -> None:
    if node.tag != tag:
        raise ConstructorError(None, None, f"YAML tag {node.tag!r} is not allowed", node.start_mark)


def _decode(raw: bytes) -> tuple[str | None, ParseError | None]:
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
        offset = exc.start + bom  # utf-8-sig counts from after the BOM
        prefix = raw[:offset]
        line = prefix.count(b"\n") + 1
        line_start = max(prefix.rfind(b"\n") + 1, bom)
        column = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1  # characters, not bytes
        message = f"file is not valid UTF-8 (byte 0x{raw[offset]:02x})"
        return None, ParseError(message, Span.point(line, column))


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return "json" if text.lstrip().startswith("{") else "yaml"


def read_document(path: Path) -> Document:
    """Read `path` into a Document. Never raises for bad content: `Document.error` says why."""
    fmt = detect_format(path, "")
    try:
        if not path.is_file():
            what = "a directory" if path.is_dir() else "not a regular file" if path.exists() else "missing"
            message = "no such file" if what == "missing" else f"cannot read: {what}"
            return Document(path, fmt, error=ParseError(message, FILE_START))
        size = path.stat().st_size
        if size > limits.MAX_FILE_BYTES:
            message = f"file is {size} bytes, larger than the {limits.MAX_FILE_BYTES}-byte limit; not parsed"
            return Document(path, fmt, error=ParseError(message, FILE_START))
        with path.open("rb") as handle:
            raw = handle.read(limits.MAX_FILE_BYTES + 1)
    except OSError as exc:
        return Document(path, fmt, error=ParseError(f"cannot read file: {exc.strerror or exc}", FILE_START))
    text, error = _decode(raw)
    if error is not None:
        return Document(path, fmt, error=error)
    return parse_text(text, path, detect_format(path, text))


def parse_text(text: str, path: Path, fmt: str) -> Document:
    """Parse `text` as `fmt` ("json" or "yaml")."""
    doc = Document(path, fmt, text=text)
    if fmt == "json":
        _parse_json(doc)
    else:
        _parse_yaml(doc)
    return doc


def _compose(text: str, doc: Document) -> Node | None:
    """Compose one YAML document; set `doc.error` and return None on failure."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        doc.error = ParseError(f"invalid YAML: {problem}", _mark_span(mark))
    except yaml.YAMLError as exc:
        doc.error = ParseError(f"invalid YAML: {exc}", FILE_START)
    except RecursionError:
        doc.error = ParseError(f"document is nested deeper than {limits.MAX_DEPTH} levels", FILE_START)
    return None


def _walk(node: Node, doc: Document) -> Any:
    walker = _Walker()
    try:
        data = walker.build(node)
    except ConstructorError as exc:
        doc.error = ParseError(exc.problem or "invalid YAML", _mark_span(exc.problem_mark))
        return None
    except _TooBig as exc:
        span = _span_of(exc.node) if exc.node is not None else FILE_START
        doc.error = ParseError(str(exc), span)
        return None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        doc.error = ParseError(f"invalid value: {exc}", FILE_START)
        return None
    doc._key_spans = walker.key_spans
    doc._value_spans = walker.value_spans
    doc._duplicates = walker.duplicates
    return data


def _parse_yaml(doc: Document) -> None:
    node = _compose(doc.text, doc)
    if doc.error is not None:
        return
    if node is None:
        doc.data = None
        return
    doc.data = _walk(node, doc)


def _parse_json(doc: Document) -> None:
    try:
        data = json.loads(doc.text)
    except json.JSONDecodeError as exc:
        doc.error = ParseError(f"invalid JSON: {exc.msg}", Span.point(exc.lineno, exc.colno))
        return
    except RecursionError:
        doc.error = ParseError(f"document is nested deeper than {limits.MAX_DEPTH} levels", FILE_START)
        return
    if _depth(data) > limits.MAX_DEPTH:
        doc.error = ParseError(f"document is nested deeper than {limits.MAX_DEPTH} levels", FILE_START)
        return
    doc.data = data
    doc._locate = _locate_json


def _locate_json(doc: Document) -> None:
    """Positions and duplicates of a JSON document, from composing the same text as YAML.

    JSON is nearly a subset of YAML; the data stays json.loads's, since YAML 1.1 reads some JSON
    scalars (`1e5`) differently. Tabs become spaces first: JSON has no raw tabs inside strings, so
    columns stay right. Text that YAML cannot compose keeps no positions (findings fall back to the
    nearest located ancestor, or the start of the file).
    """
    probe = Document(doc.path, "json", text=doc.text)
    node = _compose(doc.text.replace("\t", " "), probe)
    if node is not None:
        _walk(node, probe)
        doc._key_spans, doc._value_spans, doc._duplicates = probe._key_spans, probe._value_spans, probe._duplicates


def _depth(value: Any, level: int = 0) -> int:
    if level > limits.MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level
