"""Tests for `schemas/peft-lora.schema.json` and `linter.schema.validate`, checked against real PEFT.

* the schema is valid JSON Schema 2020-12 and documents every property;
* its properties are exactly the installed PEFT's LoraConfig fields;
* what PEFT itself writes validates cleanly;
* each invalid value / unknown key / conflict gives the right kind, pointer, message and hint;
* each conflict (and each invalid value PEFT raises on) is confirmed against PEFT: `LoraConfig(**case)`
  or, for checks PEFT only makes at injection, `get_peft_model` on a tiny torch module;
* one end-to-end run of the real CLI puts LL102 / LL101 at the exact line:column.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib.util
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from linter.schema import SchemaProblem, load_schema, schema_path, validate
from tests.support import run_cli

SCHEMA = "peft-lora.schema.json"

import torch  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402


def problems(data: Any) -> list[SchemaProblem]:
    return validate(data, SCHEMA)


def only(data: Any) -> SchemaProblem:
    found = problems(data)
    assert len(found) == 1, found
    return found[0]


def as_json(config: LoraConfig) -> dict[str, Any]:
    """What save_pretrained writes: sets as sorted lists, enums as their values."""

    def default(value: Any) -> Any:
        if isinstance(value, (set, frozenset)):
            return sorted(value)
        if isinstance(value, enum.Enum):
            return value.value
        raise TypeError(f"cannot serialise {type(value).__name__}")

    return json.loads(json.dumps(config.to_dict(), default=default))


class Tiny(torch.nn.Module):
    """The smallest model with q_proj / v_proj, for checks PEFT only makes while injecting."""

    def __init__(self) -> None:
        super().__init__()
        self.q_proj = torch.nn.Linear(8, 8)
        self.v_proj = torch.nn.Linear(8, 8)

    def forward(self, x: Any) -> Any:
        return self.v_proj(self.q_proj(x))


def inject(**kwargs: Any) -> None:
    kwargs.setdefault("target_modules", ["q_proj", "v_proj"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        get_peft_model(Tiny(), LoraConfig(**kwargs))


# ---------------------------------------------------------------------------------------------
# the schema file itself


def test_schema_is_valid_2020_12() -> None:
    schema = load_schema(SCHEMA)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/peft-lora.schema.json")
    assert schema["title"]
    assert schema["description"]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False


def test_schema_file_is_the_checkout_one() -> None:
    path = schema_path(SCHEMA)
    assert path.is_file()
    assert json.loads(path.read_text(encoding="utf-8")) == load_schema(SCHEMA)


def test_every_property_has_title_and_description() -> None:
    schema = load_schema(SCHEMA)
    missing = [
        name
        for name, prop in schema["properties"].items()
        if not (isinstance(prop.get("title"), str) and prop["title"].strip())
        or not (isinstance(prop.get("description"), str) and prop["description"].strip())
    ]
    assert missing == []


def test_every_property_says_what_it_expects() -> None:
    schema = load_schema(SCHEMA)
    assert [n for n, p in schema["properties"].items() if not p.get("x-expects")] == []


def test_every_condition_is_documented_and_blames_a_real_key() -> None:
    schema = load_schema(SCHEMA)
    for condition in schema["allOf"]:
        assert condition["title"] and condition["description"]
        assert condition["x-pointer"] in schema["properties"], condition["title"]


def test_properties_are_exactly_the_lora_config_fields() -> None:
    fields = {f.name for f in dataclasses.fields(LoraConfig)}
    properties = set(load_schema(SCHEMA)["properties"])
    assert properties - fields == set(), "schema keys PEFT does not know"
    assert fields - properties == set(), "LoraConfig fields the schema misses"


# ---------------------------------------------------------------------------------------------
# what PEFT writes is valid


def test_peft_written_adapter_config_validates() -> None:
    config = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM")
    written = as_json(config)
    assert written["target_modules"] == ["q_proj", "v_proj"]
    assert written["peft_type"] == "LORA"
    assert problems(written) == []
    # plain 2020-12 validation (what an editor does) agrees
    assert list(Draft202012Validator(load_schema(SCHEMA)).iter_errors(written)) == []


def test_peft_written_config_with_pissa_lora_only_and_one_layer_validates() -> None:
    kwargs = {
        "r": 8,
        "target_modules": ["q_proj", "v_proj"],
        "init_lora_weights": "pissa_niter_4",
        "bias": "lora_only",
        "layers_to_transform": 3,
    }
    written = as_json(LoraConfig(**kwargs))
    assert written["init_lora_weights"] == "pissa_niter_4"
    assert problems(written) == []
    # the same keyword arguments as a hand-written YAML/JSON config
    assert problems(kwargs) == []


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"target_modules": "all-linear"},
        {"target_modules": None, "task_type": None},
        {"target_modules": [], "target_parameters": ["mlp.experts.gate_up_proj"]},
        {"init_lora_weights": False, "lora_bias": True},
        {"init_lora_weights": "loftq", "loftq_config": {"loftq_bits": 4, "loftq_iter": 1}},
        {"init_lora_weights": "orthogonal", "r": 16},
        {"target_modules": ["q_proj"], "layers_to_transform": [0, 1], "layers_pattern": "layers"},
        {"eva_config": {"rho": 2.0, "tau": 0.99}},
        {"lora_alpha": 16.5, "lora_dropout": 0.0},
    ],
)
def test_valid_configs_have_no_problem(data: dict) -> None:
    assert problems(data) == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "eva_config specified but will be ignored"
        # (loftq itself needs scipy, which is not installed: its check is confirmed below)
        LoraConfig(**{k: v for k, v in data.items() if k != "init_lora_weights" or v != "loftq"})


# ---------------------------------------------------------------------------------------------
# invalid values, unknown keys


INVALID = [
    # (data, pointer, message, hint)
    ({"r": 0}, ("r",), "`r` must be >= 1, got 0", None),
    ({"r": "8"}, ("r",), '`r` must be a positive integer, got a string "8"', None),
    ({"r": 8.0}, ("r",), "`r` must be a positive integer, got a number 8.0", None),
    ({"r": True}, ("r",), "`r` must be a positive integer, got a boolean true", None),
    ({"lora_dropout": 1.5}, ("lora_dropout",), "`lora_dropout` must be < 1, got 1.5", None),
    ({"lora_dropout": -0.1}, ("lora_dropout",), "`lora_dropout` must be >= 0, got -0.1", None),
    (
        {"bias": "lora-only"},
        ("bias",),
        '`bias` must be one of none, all, lora_only, got a string "lora-only"',
        "did you mean `lora_only`?",
    ),
    (
        {"task_type": "causal_lm"},
        ("task_type",),
        "`task_type` must be one of SEQ_CLS, SEQ_2_SEQ_LM, CAUSAL_LM, TOKEN_CLS, QUESTION_ANS, "
        'FEATURE_EXTRACTION, or null, got a string "causal_lm"',
        "did you mean `CAUSAL_LM`?",
    ),
    (
        {"init_lora_weights": "gausian"},
        ("init_lora_weights",),
        "`init_lora_weights` must be true, false, or one of gaussian, eva, olora, pissa, pissa_niter_N, "
        'corda, loftq, orthogonal, mica, lora_ga, got a string "gausian"',
        "did you mean `gaussian`?",
    ),
    (
        {"target_modules": 5},
        ("target_modules",),
        '`target_modules` must be a list of module names, a regex string, "all-linear", or null, got an integer 5',
        None,
    ),
    (
        {"target_modules": ["q_proj", 5]},
        ("target_modules", 1),
        "entry 1 of `target_modules` must be a string, got an integer 5",
        None,
    ),
    (
        {"modules_to_save": "lm_head"},
        ("modules_to_save",),
        '`modules_to_save` must be a list of module names or null, got a string "lm_head"',
        None,
    ),
    (
        {"target_parameters": "x"},
        ("target_parameters",),
        '`target_parameters` must be a list of parameter names or null, got a string "x"',
        None,
    ),
    (
        {"layers_to_transform": -1},
        ("layers_to_transform",),
        "`layers_to_transform` must be a layer index, a list of layer indices, or null, got an integer -1",
        None,
    ),
    (
        {"layers_to_transform": [0, -1]},
        ("layers_to_transform", 1),
        "entry 1 of `layers_to_transform` must be >= 0, got -1",
        None,
    ),
    (
        {"rank_pattern": {"q_proj": 0}},
        ("rank_pattern", "q_proj"),
        "`rank_pattern.q_proj` must be >= 1, got 0",
        None,
    ),
    (
        {"layer_replication": [[0]]},
        ("layer_replication", 0),
        "entry 0 of `layer_replication` has the wrong number of items ([0])",
        None,
    ),
    ({"eva_config": {"tau": 2}}, ("eva_config", "tau"), "`eva_config.tau` must be <= 1, got 2", None),
    ({"init_lora_weights": "True"}, ("init_lora_weights",), None, None),
]


@pytest.mark.parametrize(("data", "pointer", "message", "hint"), INVALID, ids=lambda v: None)
def test_invalid_values(data: dict, pointer: tuple, message: str | None, hint: str | None) -> None:
    problem = only(data)
    assert problem.kind == "invalid-value"
    assert problem.pointer == pointer
    assert problem.on_key is False
    if message is not None:
        assert problem.message == message
    else:
        assert problem.message.startswith(f"`{pointer[0]}` must be ")
    assert problem.hint == hint
    if hint is None:
        assert problem.fix_suggestions == ()
    else:
        assert problem.fix_suggestions == (hint.split("`")[1],)


# PEFT rejects each of these, though never in the config itself: at injection, or (task_type,
# target_parameters) in __post_init__. Not listed: lora_dropout -0.1 (PEFT silently uses no dropout)
# and modules_to_save "lm_head" (PEFT iterates the string character by character): both are
# accepted by PEFT and still wrong, which is why the schema refuses them.
PEFT_RAISES = [
    ({"r": 0}, ValueError),
    ({"r": "8"}, TypeError),
    ({"r": 8.0}, TypeError),
    ({"lora_dropout": 1.5}, ValueError),
    ({"bias": "lora-only"}, NotImplementedError),
    ({"task_type": "causal_lm"}, ValueError),
    ({"init_lora_weights": "gausian"}, ValueError),
    ({"target_modules": 5}, TypeError),
    ({"target_modules": ["q_proj", 5]}, AttributeError),
    ({"target_parameters": "x"}, TypeError),
]


@pytest.mark.parametrize(("data", "error"), PEFT_RAISES, ids=lambda v: None)
def test_invalid_values_are_refused_by_peft(data: dict, error: type) -> None:
    assert problems(data)
    with pytest.raises(error):
        inject(**data)


def test_unknown_top_level_key() -> None:
    problem = only({"r": 8, "lora_alhpa": 16})
    assert problem.kind == "unknown-key"
    assert problem.pointer == ("lora_alhpa",)
    assert problem.on_key is True
    assert problem.hint == "did you mean `lora_alpha`?"
    assert problem.fix_suggestions == ("lora_alpha",)
    assert problem.message.startswith("unknown key `lora_alhpa`")


def test_unknown_key_without_close_name_has_no_hint() -> None:
    problem = only({"learning_rate": 1e-4})
    assert problem.kind == "unknown-key"
    assert problem.pointer == ("learning_rate",)
    assert problem.hint is None and problem.fix_suggestions == ()


def test_unknown_key_inside_eva_config() -> None:
    problem = only({"init_lora_weights": "eva", "eva_config": {"rho": 2.0, "rhoo": 3}})
    assert problem.kind == "unknown-key"
    assert problem.pointer == ("eva_config", "rhoo")
    assert problem.on_key is True
    assert problem.message == "unknown key `rhoo` inside `eva_config`: PEFT drops it silently"
    assert problem.hint == "did you mean `rho`?"


def test_several_problems_are_all_reported_in_pointer_order() -> None:
    found = problems({"r": 0, "lora_alhpa": 16, "bias": "xyz", "target_modules": ["q", 1]})
    assert [(p.kind, p.pointer) for p in found] == [
        ("invalid-value", ("bias",)),
        ("unknown-key", ("lora_alhpa",)),
        ("invalid-value", ("r",)),
        ("invalid-value", ("target_modules", 1)),
    ]


# ---------------------------------------------------------------------------------------------
# conflicts


# name -> (config, title of the schema condition, pointer blamed, keys the message names)
CONFLICTS = {
    "regex-with-layers_to_transform": (
        {"target_modules": "q_proj|v_proj", "layers_to_transform": [0]},
        "regex target_modules with layers_to_transform",
        ("layers_to_transform",),
        ["layers_to_transform", "target_modules"],
    ),
    "regex-with-layers_pattern": (
        # layers_to_transform null: PEFT's layers_to_transform check is skipped and the
        # layers_pattern one fires (the schema also reports the missing layers_to_transform)
        {"target_modules": ".*q_proj", "layers_pattern": "layers", "layers_to_transform": None},
        "regex target_modules with layers_pattern",
        ("layers_pattern",),
        ["layers_pattern", "target_modules"],
    ),
    "layers_pattern-without-layers_to_transform": (
        {"target_modules": ["q_proj"], "layers_pattern": "layers"},
        "layers_pattern without layers_to_transform",
        ("layers_pattern",),
        ["layers_pattern", "layers_to_transform"],
    ),
    "dora-with-megatron": (
        {"use_dora": True, "megatron_config": {"tensor_model_parallel_size": 2}},
        "DoRA with Megatron",
        ("use_dora",),
        ["use_dora", "megatron_config"],
    ),
    "loftq-without-loftq_config": (
        {"init_lora_weights": "loftq"},
        "LoftQ init without loftq_config",
        ("init_lora_weights",),
        ["init_lora_weights", "loftq", "loftq_config"],
    ),
    "loftq-with-empty-loftq_config": (
        {"init_lora_weights": "loftq", "loftq_config": {}},
        "LoftQ init without loftq_config",
        ("init_lora_weights",),
        ["init_lora_weights", "loftq_config"],
    ),
    "lora_bias-with-gaussian": (
        {"lora_bias": True, "init_lora_weights": "gaussian"},
        "lora_bias with a non-default init",
        ("lora_bias",),
        ["lora_bias", "init_lora_weights"],
    ),
    "lora_bias-with-dora": (
        {"lora_bias": True, "use_dora": True},
        "lora_bias with DoRA",
        ("lora_bias",),
        ["lora_bias", "use_dora"],
    ),
    "orthogonal-with-odd-r": (
        {"init_lora_weights": "orthogonal", "r": 7},
        "orthogonal init with an odd rank",
        ("r",),
        ["init_lora_weights", "orthogonal", "r"],
    ),
}


def _condition(title: str) -> dict:
    [condition] = [c for c in load_schema(SCHEMA)["allOf"] if c["title"] == title]
    return condition


@pytest.mark.parametrize("name", list(CONFLICTS))
def test_conflicts(name: str) -> None:
    data, title, pointer, keys = CONFLICTS[name]
    found = problems(data)
    assert found and all(p.kind == "conflict" for p in found), found
    [problem] = [p for p in found if p.message == _condition(title)["description"]]
    assert problem.pointer == pointer
    assert problem.on_key is True
    for key in keys:
        assert f"`{key}" in problem.message or f" {key}" in problem.message, (key, problem.message)
    assert "PEFT raises" in problem.message


def test_regex_with_both_layer_options_reports_both() -> None:
    found = problems({"target_modules": ".*q_proj", "layers_pattern": "layers", "layers_to_transform": [0]})
    assert [(p.kind, p.pointer) for p in found] == [
        ("conflict", ("layers_pattern",)),
        ("conflict", ("layers_to_transform",)),
    ]


def test_no_conflict_without_the_offending_values() -> None:
    # r is not written (PEFT's default 8 is even) -> no conflict; an odd r written -> conflict on r
    assert problems({"init_lora_weights": "orthogonal"}) == []
    # lora_bias with a plain boolean init is fine
    assert problems({"lora_bias": True, "init_lora_weights": True}) == []
    # use_dora false with megatron is fine
    assert problems({"use_dora": False, "megatron_config": {"a": 1}}) == []


# The ones LoraConfig.__post_init__ checks: constructing the config raises.
POST_INIT = {
    "regex-with-layers_to_transform": "`layers_to_transform` cannot be used when `target_modules` is a str",
    "regex-with-layers_pattern": "`layers_pattern` cannot be used when `target_modules` is a str",
    "layers_pattern-without-layers_to_transform": "`layers_to_transform` must also be specified",
    "dora-with-megatron": "DoRA does not support megatron_core",
    "lora_bias-with-gaussian": "lora_bias=True is only supported with init_lora_weights=True or False",
    "lora_bias-with-dora": "lora_bias=True is not supported for DoRA",
}


@pytest.mark.parametrize("name", list(POST_INIT))
def test_conflicts_are_refused_by_lora_config(name: str) -> None:
    data = CONFLICTS[name][0]
    with pytest.raises(ValueError, match=POST_INIT[name].replace("(", r"\(")):
        LoraConfig(**data)


@pytest.mark.parametrize("name", ["loftq-without-loftq_config", "loftq-with-empty-loftq_config"])
def test_loftq_conflict_is_refused_by_lora_config(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # PEFT checks for scipy before it checks loftq_config; scipy is not needed to reach the check,
    # so make PEFT believe it is installed and confirm the ValueError itself.
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: object() if n == "scipy" else real(n, *a))
    with pytest.raises(ValueError, match="`loftq_config` must be specified"):
        LoraConfig(**CONFLICTS[name][0])
    # and the same config with a loftq_config is accepted
    LoraConfig(init_lora_weights="loftq", loftq_config={"loftq_bits": 4, "loftq_iter": 1})


def test_orthogonal_odd_rank_is_refused_at_injection() -> None:
    # not a __post_init__ check: LoraConfig accepts it, get_peft_model raises
    data = CONFLICTS["orthogonal-with-odd-r"][0]
    LoraConfig(**data)
    with pytest.raises(ValueError, match="Orthogonal initialization requires the LoRA rank to be even"):
        inject(**data)
    inject(init_lora_weights="orthogonal", r=8)


def test_every_schema_condition_is_tested() -> None:
    titles = {c["title"] for c in load_schema(SCHEMA)["allOf"]}
    assert {title for _, title, _, _ in CONFLICTS.values()} == titles


# ---------------------------------------------------------------------------------------------
# end to end through the CLI


def test_cli_reports_unknown_key_and_invalid_value_at_exact_positions(tmp_path: Path) -> None:
    config = tmp_path / "adapter.yaml"
    config.write_text(
        "r: 8\n"
        "lora_alhpa: 16\n"
        "lora_dropout: 1.5\n"
        "target_modules:\n"
        "  - q_proj\n"
        "  - 5\n"
        "eva_config: {rho: 2.0, rhoo: 3}\n",
        encoding="utf-8",
    )
    result = run_cli("--format", "json", str(config), cwd=tmp_path, timeout=120)
    assert result.code == 1, result.stderr
    found = {
        (d["code"], d["line"], d["column"], d["level"]): d["message"]
        for d in result.json()["diagnostics"]
        if d["code"].startswith("LL1")
    }
    assert set(found) == {
        ("LL102", 2, 1, "warning"),
        ("LL101", 3, 15, "error"),
        ("LL101", 6, 5, "error"),
        ("LL102", 7, 24, "warning"),
    }
    assert found[("LL102", 2, 1, "warning")].startswith("unknown key `lora_alhpa`")
    assert found[("LL101", 3, 15, "error")] == "`lora_dropout` must be < 1, got 1.5"
    assert found[("LL101", 6, 5, "error")] == "entry 1 of `target_modules` must be a string, got an integer 5"
    assert found[("LL102", 7, 24, "warning")].startswith("unknown key `rhoo` inside `eva_config`")
    lora_alhpa = next(d for d in result.json()["diagnostics"] if d["code"] == "LL102" and d["line"] == 2)
    assert lora_alhpa["hint"] == "did you mean `lora_alpha`?"
    assert (lora_alhpa["end_line"], lora_alhpa["end_column"]) == (2, 11)


def test_null_values_are_named_once() -> None:
    (problem,) = validate({"lora_alpha": None}, "peft-lora.schema.json")
    assert problem.message == "`lora_alpha` must be a number, got null"
