"""Unit tests for `linter.document`: data, exact line:column positions, duplicates, parse errors,
encodings, refused YAML tags, and the size/depth limits.

Positions are 1-based, columns count characters (a tab is one column), and `Span.end_column` points
just past the last character.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml

from linter import limits
from linter.diagnostics import FILE_START, Span
from linter.document import Document, parse_text, read_document


def parse_yaml(text: str) -> Document:
    return parse_text(text, Path("x.yaml"), "yaml")


def parse_json(text: str) -> Document:
    return parse_text(text, Path("x.json"), "json")


def at(span: Span) -> tuple[int, int]:
    """A span's start as (line, column)."""
    return (span.line, span.column)


def ok(doc: Document) -> Document:
    assert doc.error is None, doc.error
    return doc


# ---------------------------------------------------------------------------------------------
# positions


BLOCK_YAML = """\
r: 8
lora_alpha: 16
target_modules:
  - q_proj
  - v_proj
eva_config:
  rho: 2.0
"""


def test_block_yaml_positions() -> None:
    doc = ok(parse_yaml(BLOCK_YAML))
    assert doc.data == yaml.safe_load(BLOCK_YAML)
    assert doc.format == "yaml"
    # keys
    assert doc.key_spans[("r",)] == Span(1, 1, 1, 2)
    assert doc.key_spans[("lora_alpha",)] == Span(2, 1, 2, 11)
    assert doc.key_spans[("target_modules",)] == Span(3, 1, 3, 15)
    assert doc.key_spans[("eva_config",)] == Span(6, 1, 6, 11)
    assert doc.key_spans[("eva_config", "rho")] == Span(7, 3, 7, 6)
    # values
    assert doc.value_spans[("r",)] == Span(1, 4, 1, 5)
    assert doc.value_spans[("lora_alpha",)] == Span(2, 13, 2, 15)
    assert at(doc.value_spans[("target_modules",)]) == (4, 3)
    assert doc.value_spans[("target_modules", 0)] == Span(4, 5, 4, 11)
    assert doc.value_spans[("target_modules", 1)] == Span(5, 5, 5, 11)
    assert doc.value_spans[("eva_config", "rho")] == Span(7, 8, 7, 11)
    # the root mapping starts at the top of the file
    assert at(doc.value_spans[()]) == (1, 1)
    # list entries are values only, never keys
    assert ("target_modules", 0) not in doc.key_spans
    assert doc.duplicates == []


def test_flow_yaml_positions() -> None:
    text = "{r: 8, target_modules: [q_proj, v_proj], bias: 'none'}\n"
    doc = ok(parse_yaml(text))
    assert doc.data == yaml.safe_load(text)
    assert doc.key_spans[("r",)] == Span(1, 2, 1, 3)
    assert doc.value_spans[("r",)] == Span(1, 5, 1, 6)
    assert doc.key_spans[("target_modules",)] == Span(1, 8, 1, 22)
    assert doc.value_spans[("target_modules",)] == Span(1, 24, 1, 40)
    assert doc.value_spans[("target_modules", 0)] == Span(1, 25, 1, 31)
    assert doc.value_spans[("target_modules", 1)] == Span(1, 33, 1, 39)
    assert doc.key_spans[("bias",)] == Span(1, 42, 1, 46)
    # a quoted scalar's span includes its quotes
    assert doc.value_spans[("bias",)] == Span(1, 48, 1, 54)


def test_yaml_list_entries_in_nested_and_flow_lists() -> None:
    text = "layer_replication:\n  - [0, 4]\n  - [2, 6]\nmodules_to_save: [lm_head,\n  score]\n"
    doc = ok(parse_yaml(text))
    assert doc.data == yaml.safe_load(text)
    assert at(doc.value_spans[("layer_replication", 0)]) == (2, 5)
    assert at(doc.value_spans[("layer_replication", 0, 1)]) == (2, 9)
    assert at(doc.value_spans[("layer_replication", 1, 0)]) == (3, 6)
    assert at(doc.value_spans[("modules_to_save", 0)]) == (4, 19)
    assert doc.value_spans[("modules_to_save", 1)] == Span(5, 3, 5, 8)


ONE_LINE_JSON = '{"r": 8, "target_modules": ["q_proj", "v_proj"], "lora_dropout": 0.05}'


def test_one_line_json_positions() -> None:
    doc = ok(parse_json(ONE_LINE_JSON))
    assert doc.data == json.loads(ONE_LINE_JSON)
    assert doc.format == "json"
    # a JSON key's span includes its quotes
    assert doc.key_spans[("r",)] == Span(1, 2, 1, 5)
    assert doc.value_spans[("r",)] == Span(1, 7, 1, 8)
    assert doc.key_spans[("target_modules",)] == Span(1, 10, 1, 26)
    assert doc.value_spans[("target_modules",)] == Span(1, 28, 1, 48)
    assert doc.value_spans[("target_modules", 0)] == Span(1, 29, 1, 37)
    assert doc.value_spans[("target_modules", 1)] == Span(1, 39, 1, 47)
    assert doc.key_spans[("lora_dropout",)] == Span(1, 50, 1, 64)
    assert doc.value_spans[("lora_dropout",)] == Span(1, 66, 1, 70)


def test_minified_json_positions() -> None:
    text = '{"r":8,"target_modules":["q","v"],"x":{"y":null}}'
    doc = ok(parse_json(text))
    assert doc.data == json.loads(text)
    assert at(doc.value_spans[("r",)]) == (1, 6)
    assert at(doc.value_spans[("target_modules", 1)]) == (1, 30)
    assert at(doc.key_spans[("x", "y")]) == (1, 40)
    assert at(doc.value_spans[("x", "y")]) == (1, 44)


INDENTED_JSON = """\
{
  "r": 8,
  "target_modules": [
    "q_proj",
    "v_proj"
  ],
  "eva_config": {
    "rho": 2.0
  }
}
"""


def test_indented_json_positions() -> None:
    doc = ok(parse_json(INDENTED_JSON))
    assert doc.data == json.loads(INDENTED_JSON)
    assert doc.key_spans[("r",)] == Span(2, 3, 2, 6)
    assert doc.value_spans[("r",)] == Span(2, 8, 2, 9)
    assert doc.key_spans[("target_modules",)] == Span(3, 3, 3, 19)
    assert at(doc.value_spans[("target_modules",)]) == (3, 21)
    assert doc.value_spans[("target_modules", 0)] == Span(4, 5, 4, 13)
    assert doc.value_spans[("target_modules", 1)] == Span(5, 5, 5, 13)
    assert doc.key_spans[("eva_config", "rho")] == Span(8, 5, 8, 10)
    assert doc.value_spans[("eva_config", "rho")] == Span(8, 12, 8, 15)


def test_tab_indented_json_columns_count_characters() -> None:
    text = '{\n\t"r": 8,\n\t"target_modules": [\n\t\t"q_proj",\n\t\t"v_proj"\n\t],\n\t"a":\t{"b":\t1}\n}\n'
    doc = ok(parse_json(text))
    assert doc.data == json.loads(text)
    assert doc.key_spans[("r",)] == Span(2, 2, 2, 5)
    assert doc.value_spans[("r",)] == Span(2, 7, 2, 8)
    assert doc.key_spans[("target_modules",)] == Span(3, 2, 3, 18)
    assert doc.value_spans[("target_modules", 0)] == Span(4, 3, 4, 11)
    assert doc.value_spans[("target_modules", 1)] == Span(5, 3, 5, 11)
    # tabs between tokens count as one column each, too
    assert at(doc.key_spans[("a",)]) == (7, 2)
    assert at(doc.value_spans[("a",)]) == (7, 7)
    assert at(doc.value_spans[("a", "b")]) == (7, 13)
    # the stored text is the file's own text, tabs and all
    assert doc.text == text


def test_json_data_is_json_semantics_not_yaml() -> None:
    # YAML 1.1 would read 1e5 as a string; the data must be json.loads's
    text = '{"lora_alpha": 1e5, "x": "a\\/b", "s": "\\ud83d\\ude00", "n": null, "t": true}'
    doc = ok(parse_json(text))
    assert doc.data == json.loads(text)
    assert doc.data["lora_alpha"] == 100000.0
    assert at(doc.value_spans[("lora_alpha",)]) == (1, text.index("1e5") + 1)
    assert at(doc.value_spans[("s",)]) == (1, text.index('"\\ud83d') + 1)
    assert at(doc.value_spans[("t",)]) == (1, text.index("true") + 1)


VALID_YAML = [
    BLOCK_YAML,
    "r: 8\nlora_alpha: 1e5\nbias: none\ntask_type: CAUSAL_LM\nuse_dora: yes\ninit_lora_weights: false\n",
    "target_modules: q_proj|v_proj\nmodules_to_save: ~\nrevision: null\nnote: |\n  multi\n  line\n",
    "rank_pattern: {q_proj: 16, 'model\\.layers\\.0\\..*': 4}\nalpha_pattern: {}\nlayers_to_transform: [0, 1, 2]\n",
    "a: &a [1, 2]\nb: *a\nc: {x: 1}\n",
    "- 1\n- two\n- {three: 3}\n",
    "just a string\n",
    "%YAML 1.1\n---\nr: 8\n...\n",
    "when: 2024-01-01\nblob: !!binary aGVsbG8=\nexplicit: !!str 123\nf: !!float 1\n",
]


@pytest.mark.parametrize("text", VALID_YAML)
def test_yaml_data_matches_safe_load(text: str) -> None:
    assert ok(parse_yaml(text)).data == yaml.safe_load(text)


VALID_JSON = [
    ONE_LINE_JSON,
    INDENTED_JSON,
    "[]",
    "{}",
    '"text"',
    "3.5",
    '{"a": [[], {}, [1, [2, [3]]]], "b": -0.0, "c": 1E-3, "d": "tab\\there"}',
]


@pytest.mark.parametrize("text", VALID_JSON)
def test_json_data_matches_json_loads(text: str) -> None:
    assert ok(parse_json(text)).data == json.loads(text)


# ---------------------------------------------------------------------------------------------
# duplicate keys


def test_yaml_duplicate_key_keeps_last_value() -> None:
    text = "r: 8\nbias: none\nr: 16\n"
    doc = ok(parse_yaml(text))
    assert doc.data == yaml.safe_load(text) == {"r": 16, "bias": "none"}
    assert len(doc.duplicates) == 1
    dup = doc.duplicates[0]
    assert dup.pointer == ("r",)
    assert dup.span == Span(3, 1, 3, 2)
    assert dup.first_span.line == 1
    assert at(dup.first_span) == (1, 1)
    # the key and value maps point at the winner
    assert doc.key_spans[("r",)] == Span(3, 1, 3, 2)
    assert doc.value_spans[("r",)] == Span(3, 4, 3, 6)


def test_yaml_duplicate_key_in_nested_mapping_and_quoted_form() -> None:
    text = 'eva_config:\n  rho: 2\n  "rho": 3\nr: 8\n'
    doc = ok(parse_yaml(text))
    assert doc.data == yaml.safe_load(text) == {"eva_config": {"rho": 3}, "r": 8}
    [dup] = doc.duplicates
    assert dup.pointer == ("eva_config", "rho")
    assert at(dup.span) == (3, 3)
    assert dup.first_span.line == 2
    assert at(doc.value_spans[("eva_config", "rho")]) == (3, 10)


def test_yaml_key_repeated_three_times() -> None:
    text = "r: 1\nr: 2\nr: 3\n"
    doc = ok(parse_yaml(text))
    assert doc.data == {"r": 3}
    assert [(at(d.span), d.first_span.line) for d in doc.duplicates] == [((2, 1), 1), ((3, 1), 2)]


def test_json_duplicate_key_keeps_last_value() -> None:
    text = '{\n  "r": 8,\n  "lora_alpha": 16,\n  "r": 32\n}\n'
    doc = ok(parse_json(text))
    assert doc.data == json.loads(text) == {"r": 32, "lora_alpha": 16}
    [dup] = doc.duplicates
    assert dup.pointer == ("r",)
    assert dup.span == Span(4, 3, 4, 6)
    assert dup.first_span.line == 2
    assert at(dup.first_span) == (2, 3)
    assert doc.value_spans[("r",)] == Span(4, 8, 4, 10)


def test_json_duplicate_key_nested_one_line() -> None:
    text = '{"a": {"b": 1, "b": 2}, "t": ["x", "y"]}'
    doc = ok(parse_json(text))
    assert doc.data == json.loads(text)
    [dup] = doc.duplicates
    assert dup.pointer == ("a", "b")
    assert at(dup.span) == (1, 16)
    assert at(dup.first_span) == (1, 8)


def test_no_duplicates_for_same_key_in_different_mappings() -> None:
    doc = ok(parse_yaml("a:\n  x: 1\nb:\n  x: 2\n"))
    assert doc.duplicates == []


# ---------------------------------------------------------------------------------------------
# parse errors


def test_truncated_json() -> None:
    doc = parse_json('{\n  "r": 8,\n  "lora_alpha": ')
    assert doc.data is None
    assert doc.error is not None
    assert doc.error.message == "invalid JSON: Expecting value"
    assert at(doc.error.span) == (3, 17)


def test_truncated_json_inside_a_list() -> None:
    doc = parse_json('{\n  "r": 8,\n  "target_modules": ["q_proj",\n')
    assert doc.error is not None and doc.error.message.startswith("invalid JSON:")
    assert at(doc.error.span) == (4, 1)


def test_json_trailing_comma_in_object() -> None:
    doc = parse_json('{\n  "r": 8,\n  "bias": "none",\n}\n')
    assert doc.data is None
    assert doc.error is not None
    assert doc.error.message == "invalid JSON: Expecting property name enclosed in double quotes"
    assert at(doc.error.span) == (4, 1)


def test_json_trailing_comma_in_list() -> None:
    doc = parse_json('{"t": ["a", "b",]}')
    assert doc.error is not None and doc.error.message.startswith("invalid JSON:")
    assert at(doc.error.span) == (1, 17)


def test_empty_json_file_is_an_error() -> None:
    # an empty adapter_config.json is not JSON (unlike an empty YAML file, see below)
    doc = parse_json("")
    assert doc.error is not None and at(doc.error.span) == (1, 1)


def test_yaml_bad_indentation_of_list_entry() -> None:
    doc = parse_yaml("r: 8\ntarget_modules:\n  - q_proj\n - v_proj\n")
    assert doc.data is None
    assert doc.error is not None
    assert doc.error.message.startswith("invalid YAML: expected <block end>")
    assert at(doc.error.span) == (4, 2)


def test_yaml_over_indented_key() -> None:
    doc = parse_yaml("r: 8\nlora_alpha: 16\n  bias: none\n")
    assert doc.error is not None
    assert doc.error.message == "invalid YAML: mapping values are not allowed here"
    assert at(doc.error.span) == (3, 7)


def test_yaml_tab_indentation() -> None:
    doc = parse_yaml("r: 8\neva_config:\n\trho: 2\n")
    assert doc.data is None
    assert doc.error is not None
    assert doc.error.message.startswith("invalid YAML: found character '\\t'")
    assert at(doc.error.span) == (3, 1)


def test_yaml_unclosed_flow_list() -> None:
    doc = parse_yaml("r: 8\ntarget_modules: [q_proj, v_proj\nbias: none\n")
    assert doc.error is not None and doc.error.message.startswith("invalid YAML:")
    assert doc.error.span.line == 3


def test_yaml_two_documents_is_an_error() -> None:
    doc = parse_yaml("r: 8\n---\nr: 16\n")
    assert doc.error is not None and doc.error.message.startswith("invalid YAML:")
    assert doc.error.span.line == 2


# ---------------------------------------------------------------------------------------------
# encodings, line endings, empty files (through read_document, which decodes the bytes)


def test_bom_yaml_parses(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"\xef\xbb\xbfr: 8\nbias: none\n")
    doc = ok(read_document(path))
    assert doc.data == {"r": 8, "bias": "none"}
    assert doc.key_spans[("r",)] == Span(1, 1, 1, 2)
    assert doc.value_spans[("bias",)] == Span(2, 7, 2, 11)


def test_bom_json_parses(tmp_path: Path) -> None:
    path = tmp_path / "adapter_config.json"
    path.write_bytes(b'\xef\xbb\xbf{"r": 8, "bias": "none"}\n')
    doc = ok(read_document(path))
    assert doc.format == "json"
    assert doc.data == {"r": 8, "bias": "none"}
    # the BOM is not a column
    assert at(doc.key_spans[("r",)]) == (1, 2)
    assert at(doc.value_spans[("r",)]) == (1, 7)


def test_crlf_yaml_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"r: 8\r\nlora_alpha: 16\r\ntarget_modules:\r\n  - q_proj\r\n  - v_proj\r\n")
    doc = ok(read_document(path))
    assert doc.data == {"r": 8, "lora_alpha": 16, "target_modules": ["q_proj", "v_proj"]}
    assert doc.value_spans[("lora_alpha",)] == Span(2, 13, 2, 15)
    assert doc.value_spans[("target_modules", 1)] == Span(5, 5, 5, 11)
    assert doc.lines[1] == "lora_alpha: 16"


def test_crlf_json_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b'{\r\n  "r": 8,\r\n  "target_modules": [\r\n    "q_proj"\r\n  ]\r\n}\r\n')
    doc = ok(read_document(path))
    assert doc.key_spans[("r",)] == Span(2, 3, 2, 6)
    assert doc.value_spans[("target_modules", 0)] == Span(4, 5, 4, 13)


def test_crlf_parse_error_line(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b'{\r\n  "r": 8,\r\n  "bias": "none",\r\n}\r\n')
    doc = read_document(path)
    assert doc.error is not None and at(doc.error.span) == (4, 1)


@pytest.mark.parametrize(
    ("raw", "byte", "where"),
    [
        (b"r: 8\nbias: \xff\xfe\n", 0xFF, (2, 7)),
        (b"r: 8\n\xff\n", 0xFF, (2, 1)),
        (b"r: 8\r\nbias: n\xe9\r\n", 0xE9, (2, 8)),  # Latin-1 text
        (b"r: 8\nx: \xc3\n", 0xC3, (2, 4)),  # truncated multi-byte sequence
        (b"\x80", 0x80, (1, 1)),
    ],
)
def test_non_utf8_bytes(tmp_path: Path, raw: bytes, byte: int, where: tuple[int, int]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(raw)
    doc = read_document(path)
    assert doc.data is None
    assert doc.error is not None
    assert doc.error.message == f"file is not valid UTF-8 (byte 0x{byte:02x})"
    assert at(doc.error.span) == where


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "null\n"])
def test_empty_yaml_gives_no_data_and_no_error(tmp_path: Path, text: str) -> None:
    doc = parse_yaml(text)
    assert doc.data is None and doc.error is None
    assert doc.duplicates == [] and doc.key_spans == {}
    path = tmp_path / "empty.yaml"
    path.write_text(text)
    doc = read_document(path)
    assert doc.data is None and doc.error is None


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = read_document(tmp_path / "nope.yaml")
    assert missing.error is not None and missing.error.message == "no such file"
    assert missing.error.span == FILE_START
    folder = read_document(tmp_path)
    assert folder.error is not None and "directory" in folder.error.message


def test_file_over_size_limit_is_not_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.yaml"
    path.write_text("r: 8\n" * 30)
    doc = read_document(path)
    assert doc.data is None
    assert doc.error is not None and "100-byte limit" in doc.error.message


def test_format_detection(tmp_path: Path) -> None:
    yml = tmp_path / "a.yml"
    yml.write_text("r: 8\n")
    assert read_document(yml).format == "yaml"
    noext = tmp_path / "adapter_config"
    noext.write_text('  {"r": 8}')
    doc = read_document(noext)
    assert doc.format == "json" and doc.data == {"r": 8}


# ---------------------------------------------------------------------------------------------
# YAML tags: refused, never constructed


@pytest.fixture
def no_os_system(monkeypatch: pytest.MonkeyPatch) -> list:
    """Record any call to os.system / os.popen (there must be none)."""
    calls: list = []
    monkeypatch.setattr(os, "system", lambda *a, **k: calls.append(("system", a)) or 0)
    monkeypatch.setattr(os, "popen", lambda *a, **k: calls.append(("popen", a)))
    return calls


def _payloads(marker: Path) -> list[str]:
    m = str(marker)
    return [
        f'r: 8\ncmd: !!python/object/apply:os.system ["touch {m}"]\n',
        f'!!python/object/apply:os.system ["touch {m}"]\n',
        f"r: 8\nf: !!python/object/apply:builtins.open [{m!r}, w]\n",
        f"r: 8\nx: !!python/object/new:builtins.open [{m!r}, w]\n",
        "r: 8\nx: !!python/object:collections.OrderedDict {a: 1}\n",
        "r: 8\nx: !!python/name:os.system\n",
        "r: 8\nx: !!python/tuple [1, 2]\n",
        "r: 8\nx: !foo bar\n",
        "r: 8\nx: !foo {a: 1}\n",
        "r: 8\nx: !foo [a]\n",
    ]


@pytest.mark.parametrize("index", range(10))
def test_unsafe_and_custom_tags_are_refused(tmp_path: Path, no_os_system: list, index: int) -> None:
    marker = tmp_path / "pwned"
    text = _payloads(marker)[index]
    doc = parse_yaml(text)
    assert doc.data is None
    assert doc.error is not None
    assert "not allowed" in doc.error.message
    assert not marker.exists()
    assert no_os_system == []


def test_tagged_mapping_key_is_refused() -> None:
    doc = parse_yaml("r: 8\n? !foo k\n: v\n")
    assert doc.data is None
    assert doc.error is not None
    assert doc.error.message == "mapping keys must be plain scalars"
    assert at(doc.error.span) == (2, 3)


def test_refused_tag_error_points_at_the_tagged_node(tmp_path: Path, no_os_system: list) -> None:
    marker = tmp_path / "pwned"
    doc = parse_yaml(f'r: 8\ncmd: !!python/object/apply:os.system ["touch {marker}"]\n')
    assert doc.error is not None
    assert doc.error.message == "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"
    assert at(doc.error.span) == (2, 6)
    doc = parse_yaml("r: 8\nx: !foo bar\n")
    assert doc.error is not None
    assert doc.error.message == "YAML tag '!foo' is not allowed"
    assert at(doc.error.span) == (2, 4)
    assert not marker.exists() and no_os_system == []


def test_unsafe_tag_in_a_file_is_refused(tmp_path: Path, no_os_system: list) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f'r: 8\ncmd: !!python/object/apply:os.system ["touch {marker}"]\n')
    doc = read_document(path)
    assert doc.error is not None and "not allowed" in doc.error.message
    assert not marker.exists() and no_os_system == []


# ---------------------------------------------------------------------------------------------
# limits: alias bombs, deep nesting


def _billion_laughs() -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


def test_billion_laughs_stops_quickly() -> None:
    start = time.monotonic()
    doc = parse_yaml(_billion_laughs())
    elapsed = time.monotonic() - start
    assert elapsed < 10
    assert doc.data is None
    assert doc.error is not None
    assert str(limits.MAX_NODES) in doc.error.message
    assert "nodes" in doc.error.message


def test_alias_bomb_with_lower_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_NODES", 50)
    doc = parse_yaml("a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*a, *a, *a, *a, *a]\n")
    assert doc.error is not None and "more than 50 nodes" in doc.error.message


def test_aliases_within_the_limit_are_expanded() -> None:
    text = "a: &a [q_proj, v_proj]\ntarget_modules: *a\n"
    doc = ok(parse_yaml(text))
    assert doc.data == yaml.safe_load(text)


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_5000_nested_lists_is_an_error_not_a_recursion_error(fmt: str) -> None:
    text = "[" * 5000 + "]" * 5000
    doc = parse_text(text, Path(f"x.{fmt}"), fmt)
    assert doc.data is None
    assert doc.error is not None
    assert doc.error.message == f"document is nested deeper than {limits.MAX_DEPTH} levels"


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_5000_nested_mappings_is_an_error(fmt: str) -> None:
    text = '{"a": ' * 5000 + "1" + "}" * 5000
    doc = parse_text(text, Path(f"x.{fmt}"), fmt)
    assert doc.data is None
    assert doc.error is not None
    assert doc.error.message == f"document is nested deeper than {limits.MAX_DEPTH} levels"


def test_deep_block_yaml_is_an_error() -> None:
    text = "".join("  " * i + "-\n" for i in range(3000))
    doc = parse_yaml(text)
    assert doc.error is not None and "nested deeper" in doc.error.message


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_nesting_just_past_the_limit(fmt: str) -> None:
    depth = limits.MAX_DEPTH + 36
    doc = parse_text("[" * depth + "]" * depth, Path(f"x.{fmt}"), fmt)
    assert doc.error is not None and "nested deeper" in doc.error.message


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_nesting_at_the_limit_is_fine(fmt: str) -> None:
    depth = limits.MAX_DEPTH
    text = "[" * depth + "]" * depth
    doc = ok(parse_text(text, Path(f"x.{fmt}"), fmt))
    assert doc.data == json.loads(text)


# ---------------------------------------------------------------------------------------------
# merge keys


MERGES = [
    "base: &b\n  r: 8\n  lora_alpha: 16\ncfg:\n  <<: *b\n  r: 4\n",
    "base: &b\n  r: 8\n  lora_alpha: 16\ncfg:\n  r: 4\n  <<: *b\n",
    "a: &a {x: 1, y: 2}\nb: &b {x: 3, z: 4}\nc:\n  <<: [*a, *b]\n  w: 5\n",
    "a: &a {x: 1, y: 2}\nb: &b {x: 3, z: 4}\nc:\n  <<: [*b, *a]\n",
    "defaults: &d\n  r: 8\n  target_modules: [q_proj]\n<<: *d\nr: 4\n",
    "inner: &i {rho: 2}\nouter: &o {eva_config: *i, r: 8}\ncfg: {<<: *o, lora_alpha: 32}\n",
    "cfg:\n  <<: {r: 8, bias: none}\n  bias: all\n",
]


@pytest.mark.parametrize("text", MERGES)
def test_merge_keys_resolve_like_safe_load(text: str) -> None:
    doc = ok(parse_yaml(text))
    assert doc.data == yaml.safe_load(text)
    assert "<<" not in json.dumps(doc.data)


def test_merge_key_positions() -> None:
    text = "base: &b\n  r: 8\n  lora_alpha: 16\ncfg:\n  <<: *b\n  r: 4\n"
    doc = ok(parse_yaml(text))
    assert doc.data["cfg"] == {"r": 4, "lora_alpha": 16}
    # an explicit key is located where it is written
    assert doc.key_spans[("cfg", "r")] == Span(6, 3, 6, 4)
    # a merged-in key is located at its anchor's definition
    assert doc.key_spans[("cfg", "lora_alpha")] == Span(3, 3, 3, 13)
    assert doc.value_spans[("cfg", "lora_alpha")] == Span(3, 15, 3, 17)
    # `<<` itself is not a key of the data
    assert ("cfg", "<<") not in doc.key_spans
    assert doc.duplicates == []


def test_merge_of_a_non_mapping_is_an_error() -> None:
    doc = parse_yaml("a: &a [1, 2]\nb:\n  <<: *a\n")
    assert doc.error is not None
    assert doc.error.message == "a YAML merge key (<<) needs a mapping"
    assert doc.error.span.line == 1  # inside the anchored list


# ---------------------------------------------------------------------------------------------
# Document.span fallback


def test_span_falls_back_to_nearest_located_ancestor() -> None:
    doc = ok(parse_yaml(BLOCK_YAML))
    # located value
    assert doc.span(("target_modules", 1)) == Span(5, 5, 5, 11)
    # a list index past the end: the list
    assert doc.span(("target_modules", 7)) == doc.value_spans[("target_modules",)]
    # a key missing inside a located mapping: that mapping
    assert doc.span(("eva_config", "tau")) == doc.value_spans[("eva_config",)]
    assert doc.span(("eva_config", "tau", 0, "deeper")) == doc.value_spans[("eva_config",)]
    # a missing top-level key: the whole document
    assert doc.span(("lora_dropout",)) == doc.value_spans[()]
    assert doc.span(()) == doc.value_spans[()]
    # lists work as pointers too
    assert doc.span(["r"]) == Span(1, 4, 1, 5)


def test_span_on_key() -> None:
    doc = ok(parse_yaml(BLOCK_YAML))
    assert doc.span(("eva_config", "rho"), on_key=True) == Span(7, 3, 7, 6)
    assert doc.span(("eva_config", "rho")) == Span(7, 8, 7, 11)
    # no key at a list index: the entry's own value
    assert doc.span(("target_modules", 0), on_key=True) == Span(4, 5, 4, 11)
    # a missing key with on_key: the nearest located ancestor's value
    assert doc.span(("eva_config", "tau"), on_key=True) == doc.value_spans[("eva_config",)]


def test_span_without_positions_is_file_start() -> None:
    doc = parse_json("{not json")
    assert doc.error is not None
    assert doc.span(("r",)) == FILE_START
    assert doc.span(()) == FILE_START
    empty = ok(parse_yaml(""))
    assert empty.span(("r",), on_key=True) == FILE_START


# -- regressions: each of these was a bug once ------------------------------------------------


def test_non_utf8_byte_after_a_bom_is_located_by_character() -> None:
    from linter.document import _decode

    _, error = _decode(b"\xef\xbb\xbfr: 8\nbias: \xff\n")
    assert (error.message, error.span.line, error.span.column) == (
        "file is not valid UTF-8 (byte 0xff)",
        2,
        7,
    )
    _, error = _decode(b"\xef\xbb\xbf\xff\n")
    assert (error.span.line, error.span.column) == (1, 1)
    _, error = _decode("r: 8\nname: é".encode() + b"\xff\n")
    assert (error.span.line, error.span.column) == (2, 8)  # é is one column, not two bytes


def test_positions_under_a_duplicated_key_follow_the_value_that_wins() -> None:
    doc = parse_yaml("target_modules: [a, b, c]\ntarget_modules: [x]\n")
    assert doc.data == {"target_modules": ["x"]}
    assert doc.span(("target_modules", 0)) == Span(2, 18, 2, 19)
    assert ("target_modules", 2) not in doc.value_spans
    nested = parse_yaml("eva_config:\n  rho: 2\neva_config:\n  tau: 0.5\n")
    assert ("eva_config", "rho") not in nested.key_spans
    assert nested.span(("eva_config", "tau")) == Span(4, 8, 4, 11)


def test_an_explicit_key_keeps_its_position_over_a_merged_one() -> None:
    doc = parse_yaml("defaults: &d\n  r: 8\n  target_modules: [q_proj]\n<<: *d\nr: 0\n")
    assert doc.data["r"] == 0
    assert doc.span(("r",)) == Span(5, 4, 5, 5)
    assert doc.span(("target_modules", 0)) == Span(3, 20, 3, 26)  # merged: located at the anchor
    late = parse_yaml("base: &b\n  r: 2\ncfg:\n  r: 4\n  <<: *b\n")
    assert late.span(("cfg", "r"), on_key=True) == Span(4, 3, 4, 4)
    first_wins = parse_yaml("a: &a {x: 1}\nb: &b {x: 3, y: 2}\nc:\n  <<: [*a, *b]\n")
    assert first_wins.data["c"] == {"x": 1, "y": 2}
    assert first_wins.span(("c", "x")) == Span(1, 11, 1, 12)


def test_tags_on_merge_sources_are_refused() -> None:
    assert "not allowed" in parse_yaml("<<: !foo {r: 8}\n").error.message


def test_yaml_and_json_share_the_depth_limit() -> None:
    depth = limits.MAX_DEPTH
    for fmt in ("yaml", "json"):
        ok = parse_text("[" * depth + "]" * depth, Path(f"x.{fmt}"), fmt)
        too_deep = parse_text("[" * (depth + 1) + "]" * (depth + 1), Path(f"x.{fmt}"), fmt)
        assert ok.error is None, fmt
        assert too_deep.error is not None and "nested deeper" in too_deep.error.message, fmt
