"""Property tests (hypothesis) of the reader, the position map and the target matcher.

* The reader takes any bytes under any name without raising, and every position it reports lies
  inside the file.
* On generated configs written as JSON or YAML in the styles people use, the data read is the data
  `json.loads` / `yaml.safe_load` read, and the position map points at every key and value: the
  text at a value's span parses back to that value, the text at a key's span is that key.
* The target matcher (`linter.targets._check_target`, which the whole analysis stands on) agrees
  with PEFT's own `check_target_module_exists` on generated module names and configs: list and
  regex `target_modules`, `exclude_modules`, `modules_to_save`, `layers_to_transform` and
  `layers_pattern`. PEFT is the oracle.

The fixer's properties are in `tests/test_fix_properties.py`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from peft import LoraConfig
from peft.tuners.tuners_utils import check_target_module_exists

from linter.document import parse_bytes
from linter.targets import _check_target, _Config

NAMES = ["adapter_config.json", "lora.yaml", "train.yml", "config.json", "recipe"]
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------------------------------
# the reader on anything


def _spans_inside(doc, lines: int) -> None:
    spans = [doc.error.span] if doc.error is not None else []
    if doc.error is None:
        spans += list(doc.key_spans.values()) + list(doc.value_spans.values())
    for span in spans:
        assert 1 <= span.line <= lines + 1 and span.column >= 1 and span.end_line >= span.line, span


@PROPERTY
@given(name=st.sampled_from(NAMES), raw=st.binary(max_size=400))
def test_the_reader_takes_any_bytes(name: str, raw: bytes) -> None:
    doc = parse_bytes(raw, Path(name))
    assert doc.error is None or doc.error.message
    _spans_inside(doc, raw.count(b"\n") + raw.count(b"\r") + 1)


YAML_CHARACTERS = list("ab:-[]{},'\"&*!<#|>? \t\n\r8.") + ["\u00e9", "\ufeff"]
yaml_ish = st.text(alphabet=st.sampled_from(YAML_CHARACTERS), max_size=120)


@PROPERTY
@given(name=st.sampled_from(NAMES), text=yaml_ish)
def test_the_reader_takes_any_yaml_like_text(name: str, text: str) -> None:
    doc = parse_bytes(text.encode("utf-8"), Path(name))
    assert doc.error is None or doc.error.message
    _spans_inside(doc, text.count("\n") + text.count("\r") + 1)
    if doc.error is None and doc.format == "yaml":
        assert doc.data == yaml.safe_load(text.removeprefix("\ufeff"))  # what PEFT's users' loaders read


# --------------------------------------------------------------------------------------------------
# generated configs: data and positions

key = st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz_0123456789")), min_size=1, max_size=12)
scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=16),
    key,
)
data = st.dictionaries(
    key,
    st.recursive(
        scalar,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(key, inner, max_size=4)),
        max_leaves=12,
    ),
    min_size=1,
    max_size=6,
)


def _render(value: Any, fmt: str, style: str) -> str:
    if fmt == "json":
        return json.dumps(value, indent=None if style == "flow" else 2, ensure_ascii=style == "ascii") + "\n"
    return yaml.safe_dump(
        value, default_flow_style=style == "flow", allow_unicode=style != "ascii", sort_keys=False, width=60
    )


def _pointers(value: Any, pointer: tuple = ()) -> list[tuple[tuple, Any]]:
    found = [(pointer, value)]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _pointers(v, pointer + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _pointers(v, pointer + (i,))
    return found


def _text_at(text: str, span) -> str:
    lines = text.splitlines(keepends=True)
    start = sum(len(line) for line in lines[: span.line - 1]) + span.column - 1
    end = sum(len(line) for line in lines[: span.end_line - 1]) + span.end_column - 1
    return text[start:end]


@PROPERTY
@given(value=data, fmt=st.sampled_from(["json", "yaml"]), style=st.sampled_from(["flow", "block", "ascii"]))
def test_data_and_positions_of_generated_configs(value: dict, fmt: str, style: str) -> None:
    text = _render(value, fmt, style)
    path = Path("adapter_config.json" if fmt == "json" else "lora.yaml")
    doc = parse_bytes(text.encode("utf-8"), path)
    assert doc.error is None, doc.error
    expected = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    assert doc.data == expected
    loads = json.loads if fmt == "json" else yaml.safe_load
    for pointer, item in _pointers(expected):
        assert pointer in doc.value_spans, pointer
        if not isinstance(item, (dict, list)):
            shown = _text_at(text, doc.value_spans[pointer])
            assert loads(shown) == item, (pointer, shown)
        if pointer:
            assert pointer in doc.key_spans or isinstance(pointer[-1], int), pointer
            if not isinstance(pointer[-1], int):
                shown = _text_at(text, doc.key_spans[pointer])
                assert str(loads(shown)) == str(pointer[-1]), (pointer, shown)


# --------------------------------------------------------------------------------------------------
# the target matcher against PEFT

SEGMENTS = ["model", "layers", "h", "blocks", "self_attn", "attn", "mlp", "experts", "q_proj", "v_proj", "c_attn"]
LEAVES = ["q_proj", "k_proj", "v_proj", "o_proj", "c_attn", "up_proj", "lm_head", "query", "dense", "w1"]


@st.composite
def module_name(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(SEGMENTS), st.integers(0, 12).map(str)), max_size=5))
    return ".".join([*parts, draw(st.sampled_from(LEAVES))])


@st.composite
def target_entry(draw: st.DrawFn, names: list[str]) -> str:
    """A leaf name, a dotted tail of a real name, a whole name, or a name that matches nothing."""
    kind = draw(st.sampled_from(["leaf", "tail", "whole", "miss"]))
    if kind == "leaf":
        return draw(st.sampled_from(LEAVES))
    if kind == "miss":
        return draw(st.sampled_from(["q_prj", "proj", "attn.q", "layers", "0", "Q_PROJ"]))
    name = draw(st.sampled_from(names))
    if kind == "whole":
        return name
    parts = name.split(".")
    return ".".join(parts[draw(st.integers(0, len(parts) - 1)) :])


@st.composite
def regex_target(draw: st.DrawFn, names: list[str]) -> str:
    leaves = draw(st.lists(st.sampled_from(LEAVES), min_size=1, max_size=3, unique=True))
    prefix = draw(st.sampled_from([".*", r".*\.", r"model\.layers\.\d+\..*", "", r".*layers\.(0|1|2)\..*"]))
    return f"{prefix}({'|'.join(leaves)})"


@st.composite
def lora_options(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    names = draw(st.lists(module_name(), min_size=1, max_size=8, unique=True))
    options: dict[str, Any] = {}
    if draw(st.booleans()):
        options["target_modules"] = draw(st.lists(target_entry(names), min_size=1, max_size=4))
    else:
        options["target_modules"] = draw(regex_target(names))
    if draw(st.integers(0, 3)) == 0:
        options["exclude_modules"] = draw(
            st.one_of(st.lists(target_entry(names), min_size=1, max_size=2), regex_target(names))
        )
    if draw(st.integers(0, 3)) == 0:
        options["modules_to_save"] = draw(st.lists(st.sampled_from(["lm_head", "dense", "w1"]), max_size=2))
    if isinstance(options["target_modules"], list) and draw(st.booleans()):
        options["layers_to_transform"] = draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), max_size=3)))
        if draw(st.booleans()):
            options["layers_pattern"] = draw(
                st.one_of(st.sampled_from(["layers", "h", "blocks"]), st.lists(st.sampled_from(["layers", "h"])))
            )
    return options, names


@PROPERTY
@given(case=lora_options())
def test_the_matcher_agrees_with_peft(case: tuple[dict[str, Any], list[str]]) -> None:
    options, names = case
    try:
        peft_config = LoraConfig(**options)
    except ValueError:
        assume(False)  # a config PEFT refuses outright (LL103 / LL314 report those)
    ours = _Config(options)
    for name in names:
        theirs = bool(check_target_module_exists(peft_config, name))
        assert (_check_target(ours, name) == "match") == theirs, (options, name)


def test_the_matcher_property_can_fail() -> None:
    """The oracle comparison above is not vacuous: a naive substring matcher disagrees with PEFT."""
    config = LoraConfig(target_modules=["proj"])
    assert not check_target_module_exists(config, "model.layers.0.q_proj")
    assert "proj" in "model.layers.0.q_proj"
    assert _check_target(_Config({"target_modules": ["proj"]}), "model.layers.0.q_proj") == "no"
    assert re.fullmatch(".*q_proj", "model.layers.0.q_proj")
