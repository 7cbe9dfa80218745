"""The TRL dialect against TRL itself, against PEFT, and on the real-world corpus.

* Each fixture under tests/fixtures/dialects/trl/ (shaped like alignment-handbook / open-r1 / TRL
  docs recipes) names its model fixture (`# arch:`) and its findings (`# expect: CODE line:col ...`);
  it is linted on that model built on the meta device and must give exactly those findings.
* TRL is the oracle: every fixture and a set of edge cases are parsed by `trl.TrlParser` into a real
  `trl.ModelConfig`, `trl.get_peft_config` builds the LoraConfig, and the AdapterSpec's
  `peft_options()` must equal it, field by field (the one-item collapse, comma strings,
  all-linear, argparse's string conversion, `use_peft` off or `null`).
* PEFT is the oracle for what is targeted: the spec becomes a real `peft.LoraConfig`, and
  `get_peft_model` on the meta model targets exactly what lora-lint says, or raises when lora-lint
  says PEFT raises.
"""

from __future__ import annotations

import copy
import json
import re
import warnings
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from peft import LoraConfig, get_peft_model
from trl import ModelConfig, TrlParser, get_peft_config

from linter.dialects import recognise, trl
from linter.discover import Candidate
from linter.document import parse_text, read_document
from linter.engine import Linter
from linter.models.meta import choose_auto_class
from linter.models.provider import ModelProvider
from linter.schema import load_schema, validate
from tests.support import FIXTURE_MODELS, ROOT, build_transformers_model, load_model_config, run_cli

FIXTURES = ROOT / "tests" / "fixtures" / "dialects" / "trl"
CORPUS = ROOT.parent / "shared" / "corpus" / "trl"
FIXTURE_NAMES = sorted(p.name for p in FIXTURES.glob("*.yaml"))
#: LoraConfig fields get_peft_config sets
COMPARED = (
    "r",
    "lora_alpha",
    "lora_dropout",
    "target_modules",
    "target_parameters",
    "modules_to_save",
    "task_type",
    "use_dora",
    "use_rslora",
    "bias",
)


def header(path: Path) -> tuple[str, list[str]]:
    """The `# arch:` model fixture and the `# expect:` findings ("CODE line:col") of a fixture."""
    text = path.read_text(encoding="utf-8")
    arch = re.search(r"^# arch: (\S+)", text, re.M).group(1)
    expect = re.search(r"^# expect:(.*)$", text, re.M).group(1)
    return arch, [f"{code} {where}" for code, where in re.findall(r"(LL\d{3}) (\d+:\d+)", expect)]


def lint(path: Path, arch: str):
    provider = ModelProvider(override=str(FIXTURE_MODELS / arch), offline=True)
    return Linter(provider).lint(Candidate(path, True))


def spec_of(path: Path):
    recognition = recognise(read_document(path))
    assert recognition.dialect == "trl", path
    return recognition.spec


# --- fixtures: findings at line:column --------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_findings(name: str) -> None:
    arch, expected = header(FIXTURES / name)
    result = lint(FIXTURES / name, arch)
    assert result.dialect == "trl"
    found = sorted(f"{d.code} {d.span.line}:{d.span.column}" for d in result.diagnostics)
    assert found == sorted(expected), [
        f"{d.code} {d.span.line}:{d.span.column} {d.message}" for d in result.diagnostics
    ]


def test_fixtures_cover_the_trl_pitfalls() -> None:
    codes = {code.split()[0] for name in FIXTURE_NAMES for code in header(FIXTURES / name)[1]}
    assert {"LL602", "LL605", "LL606", "LL304", "LL102", "LL101", "LL301"} <= codes
    assert len(FIXTURE_NAMES) >= 12


def test_one_item_list_message_and_fix() -> None:
    result = lint(FIXTURES / "dpo_one_target.yaml", "llama")
    (finding,) = [d for d in result.diagnostics if d.code == "LL606"]
    assert "one-item list [q_proj] into the string `q_proj`" in finding.message
    assert finding.fix_suggestions == (r".*\.q_proj",)
    assert result.peft_error is not None and result.targeted_modules == []


def test_the_suggested_regex_targets_what_the_list_meant() -> None:
    """LL606's fix, checked with PEFT: the regex targets the modules `[q_proj, ...]` would."""
    config = load_model_config("llama")
    suggestion = lint(FIXTURES / "dpo_one_target.yaml", "llama").diagnostics
    regex = next(d.fix_suggestions[0] for d in suggestion if d.code == "LL606")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        as_list, as_regex = (
            get_peft_model(
                build_transformers_model(config, "AutoModelForCausalLM"), LoraConfig(target_modules=targets)
            )
            for targets in (["q_proj"], regex)
        )
    assert as_regex.base_model.targeted_module_names == as_list.base_model.targeted_module_names
    assert len(as_list.base_model.targeted_module_names) == config["num_hidden_layers"]


def test_missing_use_peft_names_the_ignored_keys_in_file_order() -> None:
    result = lint(FIXTURES / "sft_missing_use_peft.yaml", "llama")
    assert result.model is None and result.targeted_modules is None  # LoRA is off: no model checks
    (inert,) = [d for d in result.diagnostics if d.code == "LL602"]
    assert "`lora_r`, `lora_alpha`, `lora_dropout`, `lora_target_modules`" in inert.message
    assert inert.hint == "add use_peft: true"


def test_one_item_lists_that_still_work_are_not_reported() -> None:
    for targets in ("[all-linear]", "[lm_head]", "['.*\\.(q|v)_proj']", "[q_proj, v_proj]"):
        doc = parse_text(
            f"model_name_or_path: x\nuse_peft: true\nlora_target_modules: {targets}\n", Path("c.yaml"), "yaml"
        )
        spec = trl.to_spec(doc)
        assert not [p for p in spec.pitfalls if p.kind == "single-target-becomes-regex"], targets


def test_a_dotted_single_name_is_a_warning() -> None:
    doc = parse_text(
        "model_name_or_path: x\nuse_peft: true\nlora_target_modules: [self_attn.q_proj]\n", Path("c.yaml"), "yaml"
    )
    (pitfall,) = trl.to_spec(doc).pitfalls
    assert pitfall.kind == "single-target-becomes-regex" and pitfall.level is not None
    assert pitfall.level.value == "warning" and "full module name" in pitfall.message


# --- TRL as the oracle --------------------------------------------------------------------------

#: configs beyond the fixtures: the corners of TrlParser, ModelConfig and get_peft_config
EDGE_CASES = {
    "defaults": "use_peft: true\n",
    "use_peft_zero": "use_peft: 0\nlora_target_modules: [q_proj, v_proj]\n",
    "use_peft_string_false": "use_peft: 'false'\nlora_r: 8\n",
    "use_peft_string_y": "use_peft: Y\nlora_target_modules: [q_proj, k_proj]\n",
    "all_linear_string": "use_peft: true\nlora_target_modules: all-linear\n",
    "regex_string": "use_peft: true\nlora_target_modules: '.*\\.(q|v)_proj'\n",
    "empty_list": "use_peft: true\nlora_target_modules: []\n",
    "single_target_parameter": (
        "use_peft: true\nlora_dropout: 0.0\nlora_target_modules: [q_proj, v_proj]\n"
        "lora_target_parameters: [mlp.experts.gate_up_proj]\n"
    ),
    "seq_cls_score": "use_peft: true\nlora_task_type: SEQ_CLS\nlora_modules_to_save: [score]\n",
    "floats_and_revision": "use_peft: true\nmodel_revision: v1.0\nlora_r: 8\nlora_alpha: 16.5\nlora_dropout: 0\n",
    "dora_rslora": "use_peft: true\nuse_dora: true\nuse_rslora: true\nlora_target_modules: [q_proj, v_proj]\n",
    "one_item_modules_to_save": "use_peft: true\nlora_modules_to_save: [lm_head]\nlora_target_modules: [q_proj]\n",
    "no_lora_keys": "lora_r: 8\n",
}


def _trl_peft_config(path: Path):
    """What `trl sft --config path` builds: TrlParser -> ModelConfig -> get_peft_config."""
    (model_args,) = TrlParser([ModelConfig]).parse_args_and_config(
        ["--config", str(path)], fail_with_unknown_args=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model_args, get_peft_config(model_args)


def _oracle_paths(tmp_path: Path) -> list[Path]:
    paths = [FIXTURES / n for n in FIXTURE_NAMES]
    for name, body in EDGE_CASES.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text("model_name_or_path: meta-llama/Llama-3.2-1B\n" + body, encoding="utf-8")
        paths.append(path)
    return paths


def test_spec_equals_trl_get_peft_config(tmp_path: Path) -> None:
    checked = refused = disabled = 0
    for path in _oracle_paths(tmp_path):
        spec = spec_of(path)
        options = spec.peft_options()
        try:
            model_args, peft_config = _trl_peft_config(path)
        except ValueError as exc:  # ModelConfig or LoraConfig refuse the config
            refused += 1
            kinds = {p.kind for p in spec.pitfalls}
            if "8 bit and 4 bit" in str(exc):
                assert "framework-rejects-config" in kinds, path.name
            else:  # PEFT's own validation: the spec's options fail the same way
                with pytest.raises(ValueError, match=re.escape(str(exc)[:40])):
                    LoraConfig(**{k: options[k] for k in COMPARED if k in options})
            continue
        if peft_config is None:
            disabled += 1
            assert not spec.enabled, path.name
            continue
        assert spec.enabled, path.name
        checked += 1
        # the raw values TRL hands to LoraConfig, the one-item collapse and string conversion included
        raw = {
            "task_type": model_args.lora_task_type,
            "r": model_args.lora_r,
            "target_modules": model_args.lora_target_modules,
            "lora_alpha": model_args.lora_alpha,
            "lora_dropout": model_args.lora_dropout,
            "use_rslora": model_args.use_rslora,
            "use_dora": model_args.use_dora,
            "modules_to_save": model_args.lora_modules_to_save,
            "bias": "none",
        }
        for key, value in raw.items():
            assert options[key] == value and type(options[key]) is type(value), (path.name, key, options[key], value)
        assert options.get("target_parameters") == model_args.lora_target_parameters, path.name
        # and the LoraConfig built from the spec equals TRL's, field by field
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mine = LoraConfig(**{k: copy.deepcopy(options[k]) for k in COMPARED if k in options})
        for key in COMPARED:
            assert getattr(mine, key) == getattr(peft_config, key), (path.name, key)
        if "model_revision" in path.read_text():
            assert spec.revision == model_args.model_revision
    assert checked >= 20 and refused >= 2 and disabled >= 4, (checked, refused, disabled)


def test_the_collapse_is_trls_own() -> None:
    """The dialect's collapse agrees with ModelConfig.__post_init__ on every shape of value."""
    for value in (["q_proj"], ["q_proj", "v_proj"], [], "q", "all-linear", None, ["all-linear"]):
        trls = ModelConfig(lora_target_modules=copy.deepcopy(value)).lora_target_modules
        assert trl.collapse_targets(copy.deepcopy(value)) == trls


# --- PEFT as the oracle -------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_spec_agrees_with_peft(name: str) -> None:
    arch, _ = header(FIXTURES / name)
    spec = spec_of(FIXTURES / name)
    result = lint(FIXTURES / name, arch)
    if not spec.enabled:
        assert result.targeted_modules is None
        return
    config = load_model_config(arch)
    class_name = choose_auto_class(config, spec.task_type if spec.task_type in ("CAUSAL_LM", "SEQ_CLS") else None)
    options = {k: copy.deepcopy(v) for k, v in spec.peft_options().items() if k in COMPARED}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peft_model = get_peft_model(build_transformers_model(config, class_name), LoraConfig(**options))
    except Exception as exc:  # noqa: BLE001 - any exception is PEFT refusing the config
        assert result.peft_error is not None or any(d.code == "LL101" for d in result.diagnostics), (name, exc)
        return
    assert result.peft_error is None, (name, result.peft_error)
    assert sorted(peft_model.base_model.targeted_module_names) == sorted(result.targeted_modules), name
    assert sorted(peft_model.base_model.targeted_parameter_names) == sorted(result.targeted_parameters or []), name


# --- recognition, schema and corpus --------------------------------------------------------------


def test_a_trl_config_without_lora_keys_is_not_linted() -> None:
    """trl's examples/cli_configs/example_config.yaml: no LoRA, nothing to say."""
    text = (
        "model_name_or_path: Qwen/Qwen2.5-0.5B\ndataset_name: stanfordnlp/imdb\n"
        "report_to: none\nlearning_rate: 0.0001\n"
    )
    assert recognise(parse_text(text, Path("example_config.yaml"), "yaml")).kind == "skip"


def test_axolotl_keys_next_to_use_peft_are_mixed_dialects() -> None:
    text = "base_model: NousResearch/Llama-3.2-1B\nadapter: lora\nmodel_name_or_path: x\nuse_peft: true\n"
    recognition = recognise(parse_text(text, Path("c.yaml"), "yaml"))
    assert recognition.dialect == "axolotl"
    (mixed,) = [p for p in recognition.spec.pitfalls if p.kind == "mixed-dialects"]
    assert "TRL" in mixed.message


def test_schema_is_valid_and_names_every_option() -> None:
    schema = load_schema(trl.SCHEMA)
    Draft202012Validator.check_schema(schema)
    keys = {*trl.OPTIONS, *trl.OPTIONAL, "use_peft", "model_name_or_path", "model_revision"}
    assert keys <= set(schema["properties"])
    for name, prop in schema["properties"].items():
        assert prop.get("x-expects"), name
    assert schema["x-lora-namespaces"] == ["lora_"]


def test_argparse_conversion_matches_transformers() -> None:
    from transformers.hf_argparser import string_to_bool

    for text in ("yes", "True", "t", "Y", "1", "no", "FALSE", "f", "n", "0"):
        assert trl.argparse_value(text, "bool") is string_to_bool(text)
    assert trl.argparse_value("8", "int") == 8 and trl.argparse_value("0.1", "float") == 0.1
    assert trl.argparse_value("eight", "int") == "eight"  # argparse exits; the schema reports it
    assert trl.argparse_value(8.5, "int") == 8.5  # non-strings reach the dataclass unchanged


def test_every_trl_corpus_file_is_recognised_and_valid() -> None:
    files = sorted(CORPUS.glob("*.y*ml"))
    assert len(files) >= 8
    for path in files:
        doc = read_document(path)
        recognition = recognise(doc)
        assert recognition.kind == "lora" and recognition.dialect == "trl", path.name
        assert recognition.spec.enabled, path.name
        assert not [p for p in validate(doc.data, trl.SCHEMA) if p.kind == "invalid-value"], path.name


def test_corpus_lints_without_a_fault() -> None:
    for provider in (
        ModelProvider(offline=True),
        ModelProvider(override=str(FIXTURE_MODELS / "mistral"), offline=True),
    ):
        result = Linter(provider).run([CORPUS])
        assert len(result.files) >= 8 and {f.dialect for f in result.files} == {"trl"}
    # with a model every file is checked against it: the Mixtral recipes' w1/w2/w3 do not exist on Mistral
    by_name = {Path(f.path).name: f for f in result.files}
    prometheus = next(f for n, f in by_name.items() if "prometheus" in n)
    assert {d.message.split("`")[1] for d in prometheus.diagnostics if d.code == "LL301"} == {"w1", "w2", "w3"}


def test_real_cli_on_the_corpus_and_a_fixture() -> None:
    corpus = run_cli("check", str(CORPUS), "--offline", "--format", "json", "--no-cache")
    assert corpus.code in (0, 1), corpus.stderr
    assert {f["dialect"] for f in corpus.json()["files"]} == {"trl"}
    fixture = run_cli(
        "check", str(FIXTURES / "dpo_one_target.yaml"), "--model", str(FIXTURE_MODELS / "llama"), "--format", "json"
    )
    assert fixture.code == 1, fixture.stderr
    codes = {d["code"] for d in fixture.json()["diagnostics"]}
    assert "LL606" in codes, json.dumps(fixture.json(), indent=1)[:2000]
