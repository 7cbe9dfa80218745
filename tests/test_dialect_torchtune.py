"""The torchtune dialect: fixture configs with their findings, the translation checked against PEFT.

torchtune does not use PEFT, so the dialect translates a LoRA builder's arguments into the
`target_modules` of the adapter_config.json torchtune would export (output_proj -> o_proj, w1/w2/w3 ->
gate/down/up_proj, output -> lm_head, Phi-3's fused qkv_proj / gate_up_proj). Each fixture is linted
against a real model built on the meta device; the AdapterSpec is turned into a real
`peft.LoraConfig`, applied with `get_peft_model`, and PEFT must target exactly what lora-lint says.
The real torchtune configs of the corpus (beside the repo, never copied in) must all be recognised
and linted without a fault. torchtune itself is not installed and never imported.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from peft import LoraConfig, get_peft_model

from linter.dialects import recognise
from linter.dialects import torchtune as tt
from linter.discover import Candidate
from linter.document import read_document
from linter.engine import Linter
from linter.models.meta import build_inventory, choose_auto_class
from linter.models.provider import ModelProvider
from linter.schema import load_schema, validate
from tests.support import FIXTURE_MODELS, ROOT, build_transformers_model, load_model_config, run_cli

FIXTURES = ROOT / "tests" / "fixtures" / "dialects" / "torchtune"
CORPUS = ROOT.parent / "shared" / "corpus" / "torchtune"
CATALOG = ROOT.parent / "shared" / "reference" / "model-catalog.json"

#: fixture -> (model fixture or None for the config's own reference, expected findings "CODE@line:col")
CASES = {
    "lora-llama3-2-1b.yaml": ("llama", []),
    # the Hugging Face name: the schema's enum and torchtune's own rule, on the entry
    "hf-names.yaml": ("qwen2", ["LL607@6:53"]),
    "output-on-tied.yaml": ("llama", ["LL608@7:25"]),
    # every entry skipped: LL604 on the list says that nothing is left
    "quoted-names.yaml": ("llama", ["LL604@5:22", "LL607@5:23", "LL607@5:35"]),
    "empty-attn-modules.yaml": ("mistral", ["LL605@3:22"]),
    "typo-key.yaml": ("qwen2", ["LL605@2:16", "LL102@3:3"]),
    "phi3-mlp-names.yaml": ("phi3", ["LL607@4:47", "LL607@4:58"]),
    "gemma-output.yaml": ("gemma", ["LL608@5:3"]),
    "gemma-output-false.yaml": ("gemma2", ["LL605@5:3"]),
    "full-builder.yaml": ("llama", ["LL602@4:3"]),
    "dora-mistral.yaml": ("mistral", []),
    "reward-mistral.yaml": ("mistral", []),
    "local-checkpoint.yaml": (None, []),
    # no Hugging Face model for a vision builder: LL201 once, the other checks still run
    "vision.yaml": (None, ["LL201@3:16", "LL607@7:43"]),
    "custom-builder.yaml": (None, ["LL201@3:16"]),
    "not-lora.yaml": ("qwen2", []),
}
#: the HF names each enabled fixture's LoRA ends up on (its adapter_config.json target_modules)
TARGETS = {
    "lora-llama3-2-1b.yaml": ["q_proj", "v_proj", "o_proj", "gate_proj", "down_proj", "up_proj"],
    "hf-names.yaml": ["q_proj", "k_proj", "v_proj", "gate_proj", "down_proj", "up_proj"],
    "output-on-tied.yaml": ["q_proj", "v_proj", "o_proj", "gate_proj", "down_proj", "up_proj"],
    "quoted-names.yaml": [],
    "typo-key.yaml": [],
    "phi3-mlp-names.yaml": ["qkv_proj"],
    "gemma-output.yaml": ["q_proj", "v_proj", "o_proj", "gate_proj", "down_proj", "up_proj"],
    "gemma-output-false.yaml": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "down_proj", "up_proj"],
    "dora-mistral.yaml": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "down_proj", "up_proj", "lm_head"],
    "reward-mistral.yaml": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "down_proj", "up_proj"],
    "local-checkpoint.yaml": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "down_proj", "up_proj"],
}
IGNORED = {"LL402", "LL410", "LL501", "LL503"}  # guidance rules these fixtures are not about

#: corpus file (the part after `configs__`) -> (model fixture of the same architecture, expected targets)
CORPUS_MODELS = {
    "gemma__2B_qlora_single_device.yaml": (
        "gemma",
        ["q_proj", "v_proj", "o_proj", "gate_proj", "down_proj", "up_proj"],
    ),
    "guardian_models__qwen_1B_lora_10000.yaml": ("qwen2", ["q_proj", "k_proj", "v_proj", "o_proj"]),
    "llama2__13B_lora.yaml": ("llama", ["q_proj", "v_proj", "o_proj", "gate_proj", "down_proj", "up_proj", "lm_head"]),
    "llama3__8B_dora.yaml": ("llama", ["q_proj", "v_proj", "o_proj", "gate_proj", "down_proj", "up_proj"]),
    "mistral__7B_lora_single_device.yaml": (
        "mistral",
        ["q_proj", "v_proj", "o_proj", "gate_proj", "down_proj", "up_proj", "lm_head"],
    ),
    "phi3__mini_lora.yaml": ("phi3", ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"]),
    "qwen2_5__0.5B_lora_single_device.yaml": (
        "qwen2",
        ["q_proj", "v_proj", "o_proj", "gate_proj", "down_proj", "up_proj"],
    ),
}
#: corpus builders with no Hugging Face counterpart
CORPUS_UNMAPPED = {
    "dev__11B_lora_multi_dataset.yaml",
    "llama3_2_vision__11B_lora.yaml",
    "llama4__scout_17B_16E_lora.yaml",
}


def _provider(model: str | None) -> ModelProvider:
    return ModelProvider(override=str(FIXTURE_MODELS / model) if model else None, offline=True)


def _lint(path: Path, model: str | None):
    return Linter(_provider(model)).lint(Candidate(path, True))


def _found(result) -> list[str]:
    return sorted(f"{d.code}@{d.span.line}:{d.span.column}" for d in result.diagnostics if d.code not in IGNORED)


def _spec(path: Path):
    recognition = recognise(read_document(path))
    assert recognition.dialect == "torchtune"
    return recognition.spec


def _corpus(short: str) -> Path:
    return CORPUS / f"pytorch__torchtune__recipes__configs__{short}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_findings(name: str) -> None:
    model, expected = CASES[name]
    result = _lint(FIXTURES / name, model)
    assert result.dialect == "torchtune"
    assert _found(result) == sorted(expected), [
        f"{d.code}@{d.span.line}:{d.span.column} {d.message}" for d in result.diagnostics
    ]


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_translated_targets(name: str) -> None:
    assert _spec(FIXTURES / name).get("target_modules") == TARGETS[name]


def _peft_targets(options: dict, model: str, task_type: str | None) -> list[str]:
    config = load_model_config(model)
    class_name = choose_auto_class(config, task_type)
    peft_options = {k: v for k, v in options.items() if k != "base_model_name_or_path"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peft_model = get_peft_model(
            build_transformers_model(config, class_name), LoraConfig(**copy.deepcopy(peft_options))
        )
    return sorted(peft_model.base_model.targeted_module_names)


def _model_of(name: str) -> str:
    return CASES[name][0] or "qwen2"  # local-checkpoint.yaml points at tests/fixtures/models/qwen2


@pytest.mark.parametrize("name", sorted(n for n in TARGETS if TARGETS[n]))
def test_spec_agrees_with_peft(name: str) -> None:
    """The LoraConfig the spec stands for, applied by real PEFT, targets what lora-lint reports."""
    model = _model_of(name)
    spec = _spec(FIXTURES / name)
    config = load_model_config(model)
    inventory = build_inventory(config, choose_auto_class(config, spec.task_type))
    options = spec.resolved(inventory).peft_options()
    result = _lint(FIXTURES / name, CASES[name][0])
    assert result.peft_error is None
    assert _peft_targets(options, model, spec.task_type) == sorted(result.targeted_modules)
    leaves = {m.rsplit(".", 1)[-1] for m in result.targeted_modules}
    assert leaves == set(TARGETS[name])


def test_nothing_left_is_what_peft_refuses() -> None:
    """Every entry skipped: PEFT would refuse the empty list too; LL604 explains it, LL314 stays quiet."""
    spec = _spec(FIXTURES / "quoted-names.yaml")
    with pytest.raises(ValueError):
        _peft_targets(spec.peft_options(), "llama", "CAUSAL_LM")
    result = _lint(FIXTURES / "quoted-names.yaml", "llama")
    assert result.peft_error is not None
    assert "LL314" not in {d.code for d in result.diagnostics}


def test_target_entries_point_at_their_torchtune_source() -> None:
    spec = _spec(FIXTURES / "dora-mistral.yaml")
    pointers = [spec.pointer("target_modules", i) for i in range(len(spec.get("target_modules")))]
    attn = ("model", "lora_attn_modules")
    assert pointers == [
        attn + (0,),
        attn + (1,),
        attn + (2,),
        attn + (3,),
        ("model", "apply_lora_to_mlp"),
        ("model", "apply_lora_to_mlp"),
        ("model", "apply_lora_to_mlp"),
        ("model", "apply_lora_to_output"),
    ]
    options = spec.peft_options()
    assert options["r"] == 4 and options["lora_alpha"] == 8
    assert options["lora_dropout"] == 0.05 and options["use_dora"] is True
    assert options["task_type"] == "CAUSAL_LM" and options["bias"] == "none"
    assert options["base_model_name_or_path"] == "mistralai/Mistral-7B-v0.1"
    assert spec.pointer("base_model_name_or_path") == ("model", "_component_")


def test_phi3_fused_layers_point_at_the_first_entry() -> None:
    spec = _spec(_corpus("phi3__mini_lora.yaml"))
    assert spec.get("target_modules") == ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"]
    attn = ("model", "lora_attn_modules")
    assert [spec.pointer("target_modules", i) for i in range(4)] == [
        attn + (0,),
        attn + (2,),
        ("model", "apply_lora_to_mlp"),
        ("model", "apply_lora_to_mlp"),
    ]


def test_builder_defaults_fill_rank_and_alpha() -> None:
    spec = _spec(FIXTURES / "custom-builder.yaml")
    assert spec.get("r") == 4 and spec.pointer("r") == ("model", "lora_rank")
    assert spec.get("lora_alpha") == 16 and spec.pointer("lora_alpha") == ("model", "_component_")


def test_messages_say_what_torchtune_wants() -> None:
    result = _lint(FIXTURES / "hf-names.yaml", "qwen2")
    (o_proj,) = [d for d in result.diagnostics if d.code == "LL607"]
    assert "output_proj" in o_proj.message and "skips it" in o_proj.message
    assert o_proj.hint == "write output_proj" and o_proj.fix_suggestions == ("output_proj",)

    result = _lint(FIXTURES / "quoted-names.yaml", "llama")
    quoted = [d for d in result.diagnostics if d.code == "LL607"]
    assert [d.fix_suggestions for d in quoted] == [("q_proj",), ("v_proj",)]

    result = _lint(FIXTURES / "phi3-mlp-names.yaml", "phi3")
    mlp = [d for d in result.diagnostics if d.code == "LL607"]
    assert all("apply_lora_to_mlp" in d.message for d in mlp)
    assert [d.fix_suggestions for d in mlp] == [("apply_lora_to_mlp: true",)] * 2

    result = _lint(FIXTURES / "output-on-tied.yaml", "llama")
    (tied,) = [d for d in result.diagnostics if d.code == "LL608"]
    assert "tie_word_embeddings" in tied.message and tied.fix_suggestions == ("false",)

    result = _lint(FIXTURES / "empty-attn-modules.yaml", "mistral")
    (empty,) = [d for d in result.diagnostics if d.code == "LL605"]
    assert "Must pass one or more of" in empty.message

    result = _lint(FIXTURES / "typo-key.yaml", "qwen2")
    (typo,) = [d for d in result.diagnostics if d.code == "LL102"]
    assert typo.hint == "did you mean `lora_attn_modules`?" and "unexpected keyword argument" in typo.message


@pytest.mark.parametrize(
    ("entry", "hint", "fixes"),
    [
        ("o_proj", "write output_proj", ("output_proj",)),
        ("up_proj", "remove `up_proj`; set apply_lora_to_mlp: true", ("apply_lora_to_mlp: true",)),
        ("lm_head", "remove `lm_head` and set apply_lora_to_output: true", ("apply_lora_to_output: true",)),
        ("qkv_proj", "write q_proj, k_proj, v_proj", ("q_proj", "k_proj", "v_proj")),
        (" v_proj", "write v_proj", ("v_proj",)),
        ("k_prj", "did you mean k_proj?", ("k_proj",)),
        (7, "write one of q_proj, k_proj, v_proj, output_proj", ()),
    ],
)
def test_each_wrong_entry_gets_torchtunes_name(tmp_path: Path, entry, hint: str, fixes: tuple) -> None:
    path = tmp_path / "config.yaml"
    data = {
        "model": {"_component_": "torchtune.models.llama3_1.lora_llama3_1_8b", "lora_attn_modules": ["q_proj", entry]}
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    spec = _spec(path)
    (pitfall,) = [p for p in spec.pitfalls if p.kind == "torchtune-module-name"]
    assert pitfall.pointer == ("model", "lora_attn_modules", 1)
    assert (pitfall.hint, pitfall.fix_suggestions) == (hint, fixes)
    assert spec.get("target_modules") == ["q_proj"]


def test_lm_head_on_a_tied_builder_suggests_nothing_to_switch_on(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    data = {"model": {"_component_": "torchtune.models.qwen2_5.lora_qwen2_5_3b", "lora_attn_modules": ["lm_head"]}}
    path.write_text(json.dumps(data), encoding="utf-8")
    (pitfall,) = [p for p in _spec(path).pitfalls if p.kind == "torchtune-module-name"]
    assert "ties its output layer" in pitfall.hint and pitfall.fix_suggestions == ()


def test_unresolved_builder_still_runs_the_other_checks() -> None:
    result = _lint(FIXTURES / "vision.yaml", None)
    assert result.model["unavailable"] == "no-model"
    assert result.targeted_modules is None
    spec = _spec(FIXTURES / "vision.yaml")
    assert spec.model_ref is None and spec.pointer("base_model_name_or_path") == ("model", "_component_")
    builder = tt._Builder(read_document(FIXTURES / "vision.yaml").data["model"]["_component_"], {})
    assert "Llama 3.2 Vision builder" in builder.unresolved_reason()


def test_local_checkpoint_dir_is_the_model() -> None:
    spec = _spec(FIXTURES / "local-checkpoint.yaml")
    assert spec.model_ref == "../../models/qwen2"
    assert spec.pointer("base_model_name_or_path") == ("checkpointer", "checkpoint_dir")
    assert spec.get("r") == 16 and spec.get("lora_alpha") == 16  # ${rank} and ${model.lora_rank} followed
    result = _lint(FIXTURES / "local-checkpoint.yaml", None)
    assert result.model["origin"] == "local" and result.model["model_class"] == "Qwen2ForCausalLM"


def test_missing_checkpoint_dir_falls_back_to_the_builders_model() -> None:
    spec = _spec(FIXTURES / "lora-llama3-2-1b.yaml")
    assert spec.model_ref == "meta-llama/Llama-3.2-1B"
    assert spec.pointer("base_model_name_or_path") == ("model", "_component_")


def test_reward_builder_is_a_sequence_classifier() -> None:
    spec = _spec(FIXTURES / "reward-mistral.yaml")
    assert spec.task_type == "SEQ_CLS"
    result = _lint(FIXTURES / "reward-mistral.yaml", "mistral")
    assert result.model["model_class"] == "MistralForSequenceClassification"
    assert not [d for d in result.diagnostics if d.code in ("LL311", "LL403", "LL405")]


def test_full_builder_turns_lora_off() -> None:
    spec = _spec(FIXTURES / "full-builder.yaml")
    assert spec.enabled is False
    (pitfall,) = spec.pitfalls
    assert pitfall.kind == "inert-lora-settings" and "lora_llama3_2_1b" in pitfall.hint
    assert _spec(FIXTURES / "not-lora.yaml").enabled is False
    assert _spec(FIXTURES / "not-lora.yaml").pitfalls == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"model": {"_component_": "torchtune.models.llama3_2.lora_llama3_2_1b"}}, True),
        ({"_component_": "torchtune.models.llama3_2.llama3_2_1b"}, True),
        (
            {
                "model": {"_component_": "my.builder"},
                "tokenizer": {"_component_": "torchtune.models.llama3.llama3_tokenizer"},
            },
            True,
        ),
        ({"optimizer": {"_component_": "torch.optim.AdamW"}}, False),
        ({"model": "torchtune.models.llama3_2.lora_llama3_2_1b"}, False),
        ({"datasets": [{"_component_": "torchtune.datasets.alpaca_dataset"}]}, False),
    ],
)
def test_detect(data: dict, expected: bool) -> None:
    assert tt.detect(data) is expected


def test_private_builder_module_paths_are_normalised() -> None:
    assert (
        tt.normalise_builder("torchtune.models.phi3._model_builders.lora_phi3_mini")
        == "torchtune.models.phi3.lora_phi3_mini"
    )


# ---------------------------------------------------------------------------------------------
# the real torchtune configs


def test_every_corpus_file_is_recognised() -> None:
    files = sorted(CORPUS.glob("*.y*ml"))
    assert len(files) == 10
    for path in files:
        recognition = recognise(read_document(path))
        assert recognition.dialect == "torchtune", path.name
        assert recognition.spec.enabled, path.name
        short = path.name.split("configs__", 1)[1]
        assert (recognition.spec.model_ref is None) == (short in CORPUS_UNMAPPED), path.name
        assert validate(read_document(path).data, tt.SCHEMA) == [], path.name


def test_corpus_lints_without_a_fault() -> None:
    result = Linter(ModelProvider(offline=True)).run([CORPUS])
    assert len(result.files) == 10
    assert {f.dialect for f in result.files} == {"torchtune"}
    # offline and without a cache the models are unavailable: LL201, and nothing wrong in the configs
    assert {d.code for d in result.diagnostics} <= {"LL201"}
    unmapped = [f for f in result.files if f.path.split("configs__", 1)[1] in CORPUS_UNMAPPED]
    assert len(unmapped) == 3 and all(f.model["unavailable"] == "no-model" for f in unmapped)


def test_corpus_through_the_cli() -> None:
    completed = run_cli("--offline", "--format", "json", str(CORPUS))
    assert completed.code == 0, completed.stderr
    assert {f["dialect"] for f in completed.json()["files"]} == {"torchtune"}


@pytest.mark.parametrize("short", sorted(CORPUS_MODELS))
def test_corpus_translation_agrees_with_peft(short: str) -> None:
    model, expected = CORPUS_MODELS[short]
    path = _corpus(short)
    spec = _spec(path)
    assert spec.get("target_modules") == expected
    result = _lint(path, model)
    assert result.peft_error is None
    assert _found(result) == []
    assert _peft_targets(spec.peft_options(), model, spec.task_type) == sorted(result.targeted_modules)


def test_cli_reports_the_hf_name_at_its_entry() -> None:
    completed = run_cli("--model", str(FIXTURE_MODELS / "qwen2"), "--format", "json", str(FIXTURES / "hf-names.yaml"))
    assert completed.code == 1, completed.stderr
    found = {(d["code"], d["line"], d["column"]) for d in completed.json()["diagnostics"]}
    assert ("LL607", 6, 53) in found


# ---------------------------------------------------------------------------------------------
# the builder table and the schema


def test_builder_table_is_complete_data() -> None:
    table = tt.builder_table()
    peft_names = table["peft_names"]["map"]
    assert peft_names["output_proj"] == "o_proj" and peft_names["output"] == "lm_head"
    assert set(peft_names) == set(tt.ATTN_MODULES) | set(tt.MLP_MODULES) | {"output"}
    for path, facts in table["builders"].items():
        module, function = path.rsplit(".", 1)
        assert module.startswith("torchtune.models.") and function.startswith(("lora_", "qlora_")), path
        assert isinstance(facts["hf_model"], str) and "/" in facts["hf_model"], path
        assert isinstance(facts["tie_word_embeddings"], bool), path
        assert facts["sources"], path
        assert facts.get("name_map", "phi3") in table["name_maps"], path
        assert facts.get("task_type", "CAUSAL_LM") in ("CAUSAL_LM", "SEQ_CLS"), path
        if function.startswith("qlora_"):
            assert path.replace(".qlora_", ".lora_") in table["builders"], path
    families = {path.split(".")[2] for path in table["builders"]}
    assert families >= {
        "llama2", "llama3", "llama3_1", "llama3_2", "qwen2", "qwen2_5", "qwen3",
        "mistral", "gemma", "gemma2", "phi3", "phi4", "code_llama2",
    }  # fmt: skip


def test_builder_table_agrees_with_the_model_catalog() -> None:
    """Tied embeddings and fused layers, against the reference catalogue of Hugging Face configs."""
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    checked = 0
    for path, facts in tt.builder_table()["builders"].items():
        entry = catalog.get(facts["hf_model"])
        if entry is None:
            continue
        config = entry["config"]
        if "tie_word_embeddings" in config:
            assert facts["tie_word_embeddings"] is config["tie_word_embeddings"], path
        assert (facts.get("name_map") == "phi3") == (config["model_type"] == "phi3"), path
        checked += 1
    assert checked >= 40


def test_every_corpus_builder_is_in_the_table() -> None:
    known = tt.builder_table()["builders"]
    for short in CORPUS_MODELS:
        component = read_document(_corpus(short)).data["model"]["_component_"]
        assert component in known, short


def test_schema_is_valid_2020_12() -> None:
    schema = load_schema(tt.SCHEMA)
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith("/torchtune-lora.schema.json")
    assert schema["title"] and schema["description"]
    model = schema["properties"]["model"]
    assert model["x-lora-namespaces"] == ["lora_", "apply_lora_"]
    assert all("x-expects" in prop for prop in model["properties"].values())
    assert model["properties"]["lora_attn_modules"]["items"]["enum"] == list(tt.ATTN_MODULES)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ({"lora_rank": 0}, [("invalid-value", ("model", "lora_rank"))]),
        ({"lora_rank": "${rank}"}, []),
        ({"lora_rank": "8"}, [("invalid-value", ("model", "lora_rank"))]),
        ({"lora_dropout": 1.0}, [("invalid-value", ("model", "lora_dropout"))]),
        ({"apply_lora_to_mlp": "yes"}, [("invalid-value", ("model", "apply_lora_to_mlp"))]),
        ({"lora_attn_modules": ["q_proj", "o_proj"]}, [("invalid-value", ("model", "lora_attn_modules", 1))]),
        ({"lora_attn_modules": "q_proj,v_proj"}, [("invalid-value", ("model", "lora_attn_modules"))]),
        ({"lora_atn_modules": ["q_proj"]}, [("unknown-key", ("model", "lora_atn_modules"))]),
        ({"apply_lora_to_mpl": True}, [("unknown-key", ("model", "apply_lora_to_mpl"))]),
        ({"target_modules": ["q_proj"]}, [("unknown-key", ("model", "target_modules"))]),
        ({"image_size": 560, "use_dora": True, "quantize_base": False}, []),
    ],
)
def test_schema_problems(model: dict, expected: list) -> None:
    data = {"model": {"_component_": "torchtune.models.llama3_2.lora_llama3_2_1b", **model}}
    assert [(p.kind, p.pointer) for p in validate(data, tt.SCHEMA)] == expected
