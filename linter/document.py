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
import errno
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

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
    """Why a file could not be read, and where.

    `limit` names the limit of `linter.limits` the file hit ("file-size", "depth", "nodes",
    "entries"), if that is why; `lora_keys` then says whether its first `limits.PEEK_BYTES` hold a
    LoRA key, so a large file that is no LoRA config can be skipped like any other.
    """

    message: str
    span: Span
    limit: str | None = None
    lora_keys: bool = False


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
    """A limit of `linter.limits` was hit at `node` (or `mark`)."""

    def __init__(self, message: str, node: Node | None = None, *, limit: str, mark: Any = None):
        super().__init__(message)
        self.node = node
        self.mark = mark
        self.limit = limit

    @property
    def span(self) -> Span:
        if self.node is not None:
            return _span_of(self.node)
        return _mark_span(self.mark)


def _too_deep(node: Node | None = None, mark: Any = None) -> _TooBig:
    return _TooBig(f"document is nested deeper than {limits.MAX_DEPTH} levels", node, limit="depth", mark=mark)


def _too_many_nodes(node: Node | None = None, mark: Any = None) -> _TooBig:
    message = f"document expands to more than {limits.MAX_NODES} nodes (YAML aliases used as a bomb?)"
    return _TooBig(message, node, limit="nodes", mark=mark)


def _too_many_entries(size: int, node: Node | None = None, mark: Any = None) -> _TooBig:
    message = f"a list or mapping holds {size} entries, more than the limit of {limits.MAX_ENTRIES}"
    return _TooBig(message, node, limit="entries", mark=mark)


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
        #: every pointer given a span, in order: a value's own spans are one slice of it, so a
        #: duplicate key's discarded value is forgotten in time proportional to its size (a scan of
        #: the whole map per duplicate made an alias bomb of duplicates take minutes: found by fuzzing)
        self.located: list[Pointer] = []

    def build(self, node: Node, pointer: Pointer = (), depth: int = 0) -> Any:
        self.visited += 1
        if self.visited > limits.MAX_NODES:
            raise _too_many_nodes(node)
        container = isinstance(node, (MappingNode, SequenceNode))
        if container and depth >= limits.MAX_DEPTH:
            raise _too_deep(node)
        if container and len(node.value) > limits.MAX_ENTRIES:
            raise _too_many_entries(len(node.value), node)
        self.value_spans[pointer] = _span_of(node)
        self.located.append(pointer)
        if isinstance(node, MappingNode):
            _require_tag(node, _MAP_TAG)
            return self._mapping(node, pointer, depth)
        if isinstance(node, SequenceNode):
            _require_tag(node, _SEQ_TAG)
            return [self.build(child, pointer + (i,), depth + 1) for i, child in enumerate(node.value)]
        if node.tag not in _SAFE_SCALAR_TAGS:
            raise ConstructorError(None, None, f"YAML tag {node.tag!r} is not allowed", node.start_mark)
        return self._scalar(node)

    def _scalar(self, node: Node) -> Any:
        """A plain scalar's value; a bad `!!int` / `!!float` / `!!timestamp` value is located at its node."""
        try:
            return self.constructor.construct_object(node, deep=True)
        except ConstructorError:
            raise
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            raise ConstructorError(None, None, f"invalid value: {exc}", node.start_mark) from exc
        except Exception as exc:  # noqa: BLE001 - PyYAML's constructors fail in any way on a bad tagged value
            # (`!!timestamp 2001-13-45` raised AttributeError: found by the fuzz harness)
            kind = node.tag.rsplit(":", 1)[-1]
            message = f"invalid value: {node.value[:40]!r} is not a valid {kind}"
            raise ConstructorError(None, None, message, node.start_mark) from exc

    def _key(self, node: Node) -> Any:
        if not isinstance(node, ScalarNode) or node.tag not in _SAFE_SCALAR_TAGS:
            raise ConstructorError(None, None, "mapping keys must be plain scalars", node.start_mark)
        key = self._scalar(node)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        return key

    def _drop(self, prefix: Pointer, start: int, end: int) -> None:
        """Forget the positions `located[start:end]` at or under `prefix` (a duplicate key's discarded value)."""
        size = len(prefix)
        for pointer in self.located[start:end]:
            if pointer[:size] == prefix:
                self.key_spans.pop(pointer, None)
                self.value_spans.pop(pointer, None)

    def _mapping(self, node: MappingNode, pointer: Pointer, depth: int) -> dict:
        result: dict = {}
        first_seen: dict[Any, Span] = {}
        built: dict[Any, tuple[int, int]] = {}  # key -> its value's slice of `located`
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
                self._drop(child, *built[key])  # the later value wins, as in yaml.safe_load and json.loads
            first_seen[key] = key_span
            start = len(self.located)
            self.key_spans[child] = key_span
            self.located.append(child)
            result[key] = self.build(value_node, child, depth + 1)
            built[key] = (start, len(self.located))
        for key, value in merged.items():
            if key in result:
                continue  # an explicit key overrides a merged one
            result[key] = value
            child = pointer + (key,)
            for source, target in ((merged_keys, self.key_spans), (merged_values, self.value_spans)):
                spans = {p: span for p, span in source.items() if p[: len(child)] == child}
                target.update(spans)
                self.located.extend(spans)
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
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            message = "file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8"
        return None, ParseError(message, Span.point(line, column))


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return "json" if text.lstrip().startswith("{") else "yaml"


#: A key only a LoRA config has (peft, axolotl, LLaMA-Factory, torchtune, TRL, Unsloth), as it is
#: written in YAML or JSON: used to tell an oversized LoRA config from any other oversized file.
_LORA_KEY = re.compile(
    r"""(?:^|[\s{,"'])(?:peft_type|peft_config|target_modules|target_parameters|finetuning_type|use_peft|"""
    r"""q?lora_[a-z_]+)["']?\s*:"""
    r"""|_component_["']?\s*:\s*["']?torchtune\."""
)


def mentions_lora(text: str) -> bool:
    """True when the first `limits.PEEK_BYTES` characters of `text` hold a LoRA key."""
    return _LORA_KEY.search(text[: limits.PEEK_BYTES]) is not None


def _limit_error(message: str, span: Span, limit: str, head: str) -> ParseError:
    return ParseError(message, span, limit=limit, lora_keys=mentions_lora(head))


def _unreadable(path: Path, exc: OSError) -> str:
    """Why `path` cannot be opened, in the user's terms."""
    if exc.errno == errno.ELOOP:
        return "cannot read: a symbolic link loop"
    if exc.errno == errno.ENOENT:
        return "cannot read: a broken symbolic link" if os.path.islink(path) else "no such file"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot read: permission denied"
    if exc.errno == errno.EISDIR:
        return "cannot read: a directory"
    return f"cannot read file: {exc.strerror or exc}"


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "cannot read: a directory"
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket"
    return f"cannot read: not a regular file ({kind})"


#: open without blocking (a FIFO swapped in after the check) and without taking a terminal
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def _read_bytes(path: Path) -> tuple[bytes | None, ParseError | None]:
    """At most `MAX_FILE_BYTES` of a regular file; never opens a FIFO or device, never blocks."""
    try:
        problem = _not_regular(os.stat(path).st_mode)  # before opening: opening a device can act
        if problem is not None:
            return None, ParseError(problem, FILE_START)
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        return None, ParseError(_unreadable(path, exc), FILE_START)
    try:
        info = os.fstat(fd)
        problem = _not_regular(info.st_mode)  # the file opened is the file checked
        if problem is not None:
            return None, ParseError(problem, FILE_START)
        if info.st_size > limits.MAX_FILE_BYTES:
            head = os.read(fd, limits.PEEK_BYTES).decode("utf-8", errors="replace")
            message = f"file is {info.st_size} bytes, larger than the {limits.MAX_FILE_BYTES}-byte limit; not parsed"
            return None, _limit_error(message, FILE_START, "file-size", head)
        chunks: list[bytes] = []
        size = 0
        while size <= limits.MAX_FILE_BYTES:  # the file may grow while it is read
            chunk = os.read(fd, min(1024 * 1024, limits.MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        raw = b"".join(chunks)
        if size > limits.MAX_FILE_BYTES:
            head = raw[: limits.PEEK_BYTES].decode("utf-8", errors="replace")
            message = f"file is larger than the {limits.MAX_FILE_BYTES}-byte limit; not parsed"
            return None, _limit_error(message, FILE_START, "file-size", head)
        return raw, None
    except OSError as exc:
        return None, ParseError(f"cannot read file: {exc.strerror or exc}", FILE_START)
    finally:
        os.close(fd)


def read_document(path: Path) -> Document:
    """Read `path` into a Document. Never raises for bad content: `Document.error` says why."""
    fmt = detect_format(path, "")
    raw, error = _read_bytes(path)
    if error is not None:
        return Document(path, fmt, error=error)
    return parse_bytes(raw, path)


def parse_bytes(raw: bytes, path: Path) -> Document:
    """Decode and parse the bytes of the file at `path` (the file itself is not read)."""
    text, error = _decode(raw)
    if error is not None:
        return Document(path, detect_format(path, ""), error=error)
    return parse_text(text, path, detect_format(path, text))


def parse_text(text: str, path: Path, fmt: str) -> Document:
    """Parse `text` as `fmt` ("json" or "yaml")."""
    doc = Document(path, fmt, text=text)
    if fmt == "json":
        _parse_json(doc)
    else:
        _parse_yaml(doc)
    return doc


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe composer with the node and depth budgets applied while composing.

    Composing builds every node of the file before anything else looks at it: without a budget, a
    5 MB file of one-character list items costs a million nodes, seconds and hundreds of MB.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.composed = 0
        self.containers = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            return super().compose_node(parent, index)  # counted, expanded, by the walker
        self.composed += 1
        if self.composed > limits.MAX_NODES:
            raise _too_many_nodes(mark=event.start_mark)
        if not isinstance(event, (SequenceStartEvent, MappingStartEvent)):
            return super().compose_node(parent, index)
        if self.containers >= limits.MAX_DEPTH:
            raise _too_deep(mark=event.start_mark)
        self.containers += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self.containers -= 1
        if len(node.value) > limits.MAX_ENTRIES:
            raise _too_many_entries(len(node.value), node)
        return node


def _reader_span(text: str, position: int) -> Span:
    """Line and column of character `position`, counting line breaks as PyYAML's reader does."""
    before = text[:position]
    breaks = list(re.finditer("\r\n|[\n\r\x85\u2028\u2029]", before))
    start = breaks[-1].end() if breaks else 0
    return Span.point(len(breaks) + 1, position - start + 1)


def _compose(text: str, doc: Document) -> Node | None:
    """Compose one YAML document; set `doc.error` and return None on failure."""
    loader = None
    try:
        loader = _BoundedLoader(text)  # the reader checks every character of a str here already
        return loader.get_single_node()
    except _TooBig as exc:
        doc.error = _limit_error(str(exc), exc.span, exc.limit, text)
    except ReaderError as exc:
        what = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        doc.error = ParseError(
            f"invalid YAML: unacceptable character {what}: {exc.reason}", _reader_span(text, exc.position)
        )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        doc.error = ParseError(f"invalid YAML: {problem}", _mark_span(mark))
    except yaml.YAMLError as exc:
        doc.error = ParseError(f"invalid YAML: {exc}".splitlines()[0], FILE_START)
    except RecursionError:
        doc.error = _limit_error(
            f"document is nested deeper than {limits.MAX_DEPTH} levels", FILE_START, "depth", text
        )
    finally:
        if loader is not None:
            loader.dispose()
    return None


def _walk(node: Node, doc: Document) -> Any:
    walker = _Walker()
    try:
        data = walker.build(node)
    except ConstructorError as exc:
        doc.error = ParseError(exc.problem or "invalid YAML", _mark_span(exc.problem_mark))
        return None
    except _TooBig as exc:
        doc.error = _limit_error(str(exc), exc.span, exc.limit, doc.text)
        return None
    except (yaml.YAMLError, ValueError, OverflowError, TypeError) as exc:
        doc.error = ParseError(f"invalid value: {exc}".splitlines()[0], FILE_START)
        return None
    except RecursionError:
        doc.error = _limit_error(
            f"document is nested deeper than {limits.MAX_DEPTH} levels", FILE_START, "depth", doc.text
        )
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
        doc.error = _limit_error(
            f"document is nested deeper than {limits.MAX_DEPTH} levels", _json_depth_span(doc.text), "depth", doc.text
        )
        return
    problem = _json_limits(data)
    if problem is not None:
        doc.error = _limit_error(problem.args[0], _json_limit_span(doc, problem), problem.limit, doc.text)
        return
    doc.data = data
    doc._locate = _locate_json


#: Characters PyYAML's reader refuses or reads as line breaks; inside a JSON string (the only place
#: JSON allows them raw) each is replaced by one plain character before composing, so columns stay.
_NOT_FOR_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _json_as_yaml(text: str) -> str:
    """JSON text PyYAML composes with the same line:column: tabs and YAML-only specials replaced."""
    return _NOT_FOR_YAML.sub("_", text.replace("\t", " "))


def _locate_json(doc: Document) -> None:
    """Positions and duplicates of a JSON document, from composing the same text as YAML.

    JSON is nearly a subset of YAML; the data stays json.loads's, since YAML 1.1 reads some JSON
    scalars (`1e5`) differently. Tabs become spaces first (JSON has no raw tabs inside strings), and
    characters YAML refuses or counts as line breaks (only legal inside JSON strings) become `_`, so
    columns stay right. Text that YAML cannot compose keeps no positions (findings fall back to the
    nearest located ancestor, or the start of the file).
    """
    probe = Document(doc.path, "json", text=doc.text)
    node = _compose(_json_as_yaml(doc.text), probe)
    if node is not None:
        _walk(node, probe)
        doc._key_spans, doc._value_spans, doc._duplicates = probe._key_spans, probe._value_spans, probe._duplicates


class _JsonLimit(Exception):
    def __init__(self, message: str, limit: str):
        super().__init__(message)
        self.limit = limit


def _json_limits(data: Any) -> _JsonLimit | None:
    """The first limit `data` (from json.loads) breaks: depth, nodes or entries; None when it fits."""
    nodes = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > limits.MAX_NODES:
            return _JsonLimit(str(_too_many_nodes()), "nodes")
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth >= limits.MAX_DEPTH:
            return _JsonLimit(str(_too_deep()), "depth")
        if len(children) > limits.MAX_ENTRIES:
            return _JsonLimit(str(_too_many_entries(len(children))), "entries")
        stack.extend((child, depth + 1) for child in children)
    return None


def _json_limit_span(doc: Document, problem: _JsonLimit) -> Span:
    """Where a JSON document breaks a limit: composing it as YAML stops at the same place."""
    if problem.limit == "depth":
        return _json_depth_span(doc.text)
    probe = Document(doc.path, "json", text=doc.text)
    node = _compose(_json_as_yaml(doc.text), probe)
    if node is not None:
        _walk(node, probe)
    return probe.error.span if probe.error is not None and probe.error.limit == problem.limit else FILE_START


def _json_depth_span(text: str) -> Span:
    """The opening bracket one level deeper than the limit, found by a scan that skips strings."""
    depth, line, line_start, in_string, escaped = 0, 1, 0, False, False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limits.MAX_DEPTH:
                return Span.point(line, index - line_start + 1)
        elif char in "]}":
            depth -= 1
        if char == "\n":
            line, line_start = line + 1, index + 1
    return FILE_START
