"""The Unsloth CLI dialect (`unsloth train --config`) against PEFT, with per-name positions.

* Each fixture under tests/fixtures/dialects/unsloth/ (shaped like Unsloth Studio's shipped
  configs) names its model fixture (`# arch:`) and its findings (`# expect: CODE line:col ...`); it
  is linted on that model built on the meta device and must give exactly those findings. The names
  of a comma-separated `target_modules` are reported at their own columns.
* The spec of every fixture that trains LoRA becomes a real `peft.LoraConfig`, and `get_peft_model`
  on the meta model targets exactly what lora-lint says, or raises when lora-lint says PEFT raises.
* Unsloth itself needs a GPU and is not a test dependency; the dialect mirrors the released
  `unsloth_cli/config.py` and Studio trainer (2026.10), whose behaviour the cases below spell out.
"""

from __future__ import annotations

import copy
import re
import warnings
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from peft import LoraConfig, get_peft_model

from linter.diagnostics import Span
from linter.dialects import recognise, unsloth
from linter.discover import Candidate
from linter.document import parse_text, read_document
from linter.engine import Linter
from linter.models.meta import choose_auto_class
from linter.models.provider import ModelProvider
from linter.schema import load_schema, validate
from tests.support import FIXTURE_MODELS, ROOT, build_transformers_model, load_model_config, run_cli

FIXTURES = ROOT / "tests" / "fixtures" / "dialects" / "unsloth"
CORPUS_OTHER = ROOT.parent / "shared" / "corpus" / "other"
FIXTURE_PATHS = sorted(FIXTURES.rglob("*.yaml"))
SEVEN = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
#: LoraConfig fields that decide what PEFT targets (LoftQ only changes the initial weights, and
#: PEFT needs scipy to even accept it)
LORA_FIELDS = (
    "r",
    "lora_alpha",
    "lora_dropout",
    "target_modules",
    "modules_to_save",
    "task_type",
    "use_dora",
    "use_rslora",
    "bias",
)


def header(path: Path) -> tuple[str, list[str]]:
    text = path.read_text(encoding="utf-8")
    arch = re.search(r"^# arch: (\S+)", text, re.M).group(1)
    expect = re.search(r"^# expect: (.*)$", text, re.M).group(1)
    return arch, [f"{code} {where}" for code, where in re.findall(r"(LL\d{3}) (\d+:\d+)", expect)]


def lint(path: Path, arch: str):
    provider = ModelProvider(override=str(FIXTURE_MODELS / arch), offline=True)
    return Linter(provider).lint(Candidate(path, True))


def spec_of(text: str, name: str = "config.yaml"):
    recognition = recognise(parse_text(text, Path(name), "yaml"))
    assert recognition.dialect == "unsloth"
    return recognition.spec


def cli_config(lora: str = "", training: str = "training_type: lora") -> str:
    head = "model: unsloth/Qwen2.5-0.5B\ndata: {dataset: tatsu-lab/alpaca}\n"
    return head + f"training: {{{training}}}\nlora: {{{lora}}}\n"


# --- fixtures -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURE_PATHS, ids=lambda p: p.name)
def test_fixture_findings(path: Path) -> None:
    arch, expected = header(path)
    result = lint(path, arch)
    assert result.dialect == "unsloth"
    found = sorted(f"{d.code} {d.span.line}:{d.span.column}" for d in result.diagnostics)
    assert found == sorted(expected), [
        f"{d.code} {d.span.line}:{d.span.column} {d.message}" for d in result.diagnostics
    ]


def test_each_comma_separated_name_has_its_own_span() -> None:
    result = lint(FIXTURES / "target_typo.yaml", "llama")
    spans = {d.message.split("`")[1]: d.span for d in result.diagnostics if d.code == "LL301"}
    assert spans == {"v_prj": Span(12, 35, 12, 40), "gate": Span(12, 50, 12, 54)}
    assert {d.hint for d in result.diagnostics} == {"did you mean `v_proj`?", "did you mean `gate_proj`?"}


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ('  target_modules: "q_proj, v_prj"\n', 28),  # double-quoted: past the quote
        ("  target_modules: 'q_proj,v_prj'\n", 27),  # single-quoted
        ("  target_modules: q_proj,v_prj\n", 26),  # plain
        ('  target_modules: "q_proj,\\x76_prj"\n', 19),  # an escape: the whole scalar
        ("  target_modules: >-\n    q_proj,v_prj\n", 19),  # folded: the whole scalar
    ],
)
def test_name_columns_inside_the_scalar(line: str, column: int, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("model: m\ntraining: {training_type: lora}\nlora:\n  lora_r: 8\n" + line, encoding="utf-8")
    result = lint(path, "llama")
    (finding,) = [d for d in result.diagnostics if d.code == "LL301"]
    assert (finding.span.line, finding.span.column) == (5, column)


def test_list_rejection_still_lints_the_names() -> None:
    result = lint(FIXTURES / "list_targets.yaml", "llama")
    rejected = next(d for d in result.diagnostics if d.code == "LL605")
    assert rejected.fix_suggestions == ('"q_proj,v_proj,out_proj"',)
    assert sorted(result.targeted_modules) == sorted(
        f"model.layers.{i}.self_attn.{m}" for i in range(2) for m in ("q_proj", "v_proj")
    )


def test_studio_model_defaults_may_use_a_list() -> None:
    path = next(p for p in FIXTURE_PATHS if "model_defaults" in p.parts)
    spec = recognise(read_document(path)).spec
    assert spec.get("target_modules") == SEVEN and not spec.pitfalls
    assert spec.model_ref is None


# --- what Unsloth turns the config into ---------------------------------------------------------------


def test_defaults_are_the_cli_defaults() -> None:
    spec = spec_of(cli_config())
    assert spec.peft_options() == {
        "base_model_name_or_path": "unsloth/Qwen2.5-0.5B",
        "r": 64,
        "lora_alpha": 16,
        "lora_dropout": 0.0,
        "use_rslora": False,
        "use_dora": False,
        "task_type": "CAUSAL_LM",
        "bias": "none",
        "target_modules": SEVEN,
    }
    assert all(spec.fields[k].pointer is None for k in ("r", "lora_alpha", "target_modules", "task_type"))


@pytest.mark.parametrize(
    ("targets", "expected", "saved"),
    [
        ("' q_proj , v_proj ,'", ["q_proj", "v_proj"], None),  # stripped, empty names dropped
        ("''", SEVEN, None),  # nothing: the trainer's seven projections, not PEFT's defaults
        ("all-linear", "all-linear", None),  # alone: PEFT's shorthand
        ("'all-linear,q_proj'", ["q_proj"], None),  # with names: dropped
        ("'q_proj,embed_tokens,lm_head,q_proj'", ["q_proj"], ["embed_tokens", "lm_head"]),
        ("'model.embed_tokens,v_proj'", ["v_proj"], ["model.embed_tokens"]),
    ],
)
def test_target_modules_as_the_trainer_passes_them(targets: str, expected, saved) -> None:
    options = spec_of(cli_config(f"target_modules: {targets}")).peft_options()
    assert options["target_modules"] == expected
    assert options.get("modules_to_save") == saved


def test_pydantic_conversions() -> None:
    spec = spec_of(cli_config("lora_r: '16', lora_alpha: 32.0, lora_dropout: '0.1', use_dora: 'yes', use_rslora: 1"))
    values = [spec.get(k) for k in ("r", "lora_alpha", "lora_dropout", "use_dora", "use_rslora")]
    assert values == [16, 32, 0.1, True, True]
    assert [type(spec.get(k)) for k in ("r", "lora_alpha")] == [int, int]


def test_coerce_follows_pydantics_lax_mode() -> None:
    assert unsloth.coerce(True, "int") == 1 and unsloth.coerce(16.0, "int") == 16
    assert unsloth.coerce(16.5, "int") == 16.5 and unsloth.coerce("sixteen", "int") == "sixteen"  # refused
    assert unsloth.coerce(0, "float") == 0.0 and type(unsloth.coerce(0, "float")) is float
    assert unsloth.coerce("a lot", "float") == "a lot"
    assert unsloth.coerce(" Off ", "bool") is False and unsloth.coerce(1, "bool") is True
    assert unsloth.coerce(2, "bool") == 2


def test_a_target_modules_of_the_wrong_type_reads_as_the_default() -> None:
    """`target_modules: null` is refused by the CLI (the schema reports it); the names are the defaults."""
    spec = spec_of(cli_config("target_modules: null"))
    assert spec.get("target_modules") == SEVEN and spec.pointer("target_modules") == ("lora", "target_modules")
    (problem,) = validate({"lora": {"target_modules": None}}, unsloth.SCHEMA)
    assert problem.pointer == ("lora", "target_modules")


def test_training_type_is_lower_cased() -> None:
    assert spec_of(cli_config(training="training_type: ' LoRA '")).enabled
    full = spec_of(cli_config("lora_r: 8", training="training_type: FULL"))
    assert not full.enabled and [p.kind for p in full.pitfalls] == ["inert-lora-settings"]


def test_loftq_needs_16_bit_weights() -> None:
    quantised = spec_of(cli_config("use_loftq: true"))
    assert "init_lora_weights" not in quantised.fields
    assert [p.kind for p in quantised.pitfalls] == ["inert-lora-settings"]
    plain = spec_of(cli_config("use_loftq: true", training="training_type: lora, load_in_4bit: false"))
    assert plain.get("init_lora_weights") == "loftq"
    assert plain.get("loftq_config") == {"loftq_bits": 4, "loftq_iter": 1}
    assert not plain.pitfalls


def test_misplaced_keys_name_their_section() -> None:
    spec = spec_of("model: m\nlora_r: 8\nlora-alpha: 16\ntraining: {target_modules: q_proj}\nlora: {}\n")
    messages = sorted(p.message.split(";")[0] for p in spec.pitfalls)
    assert messages == [
        "`lora-alpha` belongs under `lora:`",
        "`lora_r` belongs under `lora:`",
        "`target_modules` belongs under `lora:`",
    ]


# --- PEFT as the oracle --------------------------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURE_PATHS, ids=lambda p: p.name)
def test_spec_agrees_with_peft(path: Path) -> None:
    arch, _ = header(path)
    spec = recognise(read_document(path)).spec
    result = lint(path, arch)
    if not spec.enabled:
        assert result.targeted_modules is None
        return
    config = load_model_config(arch)
    options = {k: copy.deepcopy(v) for k, v in spec.peft_options().items() if k in LORA_FIELDS}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peft_model = get_peft_model(
                build_transformers_model(config, choose_auto_class(config, "CAUSAL_LM")), LoraConfig(**options)
            )
    except Exception as exc:  # noqa: BLE001 - any exception is PEFT refusing the config
        assert result.peft_error is not None, (path.name, exc)
        return
    assert result.peft_error is None, (path.name, result.peft_error)
    assert sorted(peft_model.base_model.targeted_module_names) == sorted(result.targeted_modules), path.name


def test_moved_embeddings_are_saved_not_adapted() -> None:
    """On Gemma, `embed_tokens` in the targets ends up a ModulesToSaveWrapper, as Unsloth makes it."""
    path = FIXTURES / "embed_tokens.yaml"
    options = recognise(read_document(path)).spec.peft_options()
    config = load_model_config("gemma")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = get_peft_model(
            build_transformers_model(config, "AutoModelForCausalLM"),
            LoraConfig(**{k: v for k, v in options.items() if k in LORA_FIELDS}),
        )
    wrapped = {n for n, m in model.named_modules() if type(m).__name__ == "ModulesToSaveWrapper"}
    assert wrapped == {"base_model.model.model.embed_tokens"}
    assert not any("embed_tokens" in n for n in model.base_model.targeted_module_names)


# --- recognition, schema, corpus ------------------------------------------------------------------


def test_a_peft_lora_section_is_not_unsloth() -> None:
    text = "model: m\ntraining: {epochs: 1}\nlora: {r: 8, lora_alpha: 16, target_modules: [q_proj, v_proj]}\n"
    recognition = recognise(parse_text(text, Path("c.yaml"), "yaml"))
    assert recognition.dialect == "peft"


def test_the_custom_unsloth_project_config_is_not_the_cli_format() -> None:
    """banking-intent-unsloth's flat train.yaml feeds its own script, not `unsloth train`."""
    path = CORPUS_OTHER / "Akuseru0509__banking-intent-unsloth__configs__train.yaml"
    assert not unsloth.detect(read_document(path).data)
    result = Linter(ModelProvider(offline=True)).lint(Candidate(path, True))
    assert result is not None and result.dialect != "unsloth"


def test_schema_is_valid_and_reports_unknown_lora_keys() -> None:
    schema = load_schema(unsloth.SCHEMA)
    Draft202012Validator.check_schema(schema)
    assert set(schema["properties"]["lora"]["properties"]) == set(unsloth.SECTIONS["lora"])
    for prop in schema["properties"]["lora"]["properties"].values():
        assert prop.get("x-expects")
    (problem,) = validate({"training": {}, "lora": {"lora_rank": 16, "use_dora": True}}, unsloth.SCHEMA)
    assert problem.pointer == ("lora", "lora_rank") and problem.fix_suggestions == ("lora_r",)
    assert not validate({"lora": {"lora_r": "16", "use_rslora": "yes", "target_modules": "q_proj"}}, unsloth.SCHEMA)
    (bad,) = validate({"lora": {"lora_r": 0}}, unsloth.SCHEMA)
    assert bad.message == "`lora.lora_r` must be a positive integer, got an integer 0"


def test_real_cli_reports_each_name_at_its_column() -> None:
    proc = run_cli(
        "check", str(FIXTURES / "target_typo.yaml"), "--model", str(FIXTURE_MODELS / "llama"), "--format", "json"
    )
    assert proc.code == 1, proc.stderr
    found = sorted((d["code"], d["line"], d["column"]) for d in proc.json()["diagnostics"])
    assert found == [("LL301", 12, 35), ("LL301", 12, 50)]
