"""The LLaMA-Factory dialects (classic and v1): fixtures with their findings, checked against PEFT.

Each fixture is shaped like a config from LLaMA-Factory's `examples/` and linted against a real
model built on the meta device. LLaMA-Factory is not installed here, so its side is a line-for-line
re-implementation, written from the raw YAML and independent of the dialect code:
`FinetuningArguments.__post_init__` + `_setup_lora_tuning` (classic) and `get_lora_model` (v1),
including `find_all_linear_modules` / `_find_all_linear_modules` run on the real model. The
LoraConfig the AdapterSpec stands for must equal the one LLaMA-Factory builds, and real PEFT must
target exactly what lora-lint says (or raise when lora-lint says it raises). Every file of the
real-world corpus must be recognised as LLaMA-Factory and linted without a fault.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
import transformers
from jsonschema import Draft202012Validator
from peft import LoraConfig, TaskType, get_peft_model

from linter.dialects import FRAMEWORKS, recognise
from linter.dialects import llamafactory as classic
from linter.dialects import llamafactory_v1 as v1
from linter.dialects.linear import linear_leaf_names
from linter.discover import Candidate
from linter.document import parse_text, read_document
from linter.engine import Linter
from linter.models.meta import build_inventory, choose_auto_class
from linter.models.provider import ModelProvider
from linter.schema import load_schema, validate
from tests.support import FIXTURE_MODELS, ROOT, build_transformers_model, load_model_config, run_cli

FIXTURES = ROOT / "tests" / "fixtures" / "dialects" / "llamafactory"
CORPUS = ROOT.parent / "shared" / "corpus" / "llamafactory"

#: fixture -> (model fixture, expected findings as "CODE@line:col"); every finding is compared
CASES: dict[str, tuple[str, list[str]]] = {
    # classic (`llamafactory-cli train x.yaml`)
    "qwen3_lora_sft.yaml": ("qwen3", []),
    "llama3_lora_typo.yaml": ("llama", ["LL301@8:21"]),  # `lora_target: q_proj,v_prj`: under `v_prj`
    "llama3_lora_quoted.yaml": ("llama", ["LL301@9:23", "LL309@10:34"]),
    "mistral_lora_list.yaml": ("mistral", ["LL301@11:5", "LL503@7:12"]),  # rsLoRA with alpha = 2 x rank
    "llama3_freeze.yaml": ("llama", ["LL602@8:1"]),
    "llama3_qlora_method.yaml": ("llama", ["LL605@7:18"]),  # LL101 defers to the framework rule
    "llama3_quantization_bit.yaml": ("llama", ["LL605@3:19"]),
    "llama3_pissa.yaml": ("llama", []),
    "llama3_unknown_keys.yaml": ("llama", ["LL102@8:1", "LL102@9:1", "LL102@10:1"]),
    "gpt2_rm_all.yaml": ("gpt2", ["LL314@7:18"]),  # GPT-2's Conv1D is not "Linear": `all` finds nothing
    "llama3_dpo_pissa.yaml": ("llama", ["LL605@8:1"]),
    "llama3_resume_adapter.yaml": ("llama", ["LL602@8:1"]),
    # v1 (`peft_config: {name: lora, ...}`)
    "v1_train_lora_sft.yaml": ("qwen3", []),
    "v1_comma_targets.yaml": ("llama", ["LL301@7:19"]),  # one literal name "q_proj,v_proj"
    "v1_list_all.yaml": ("llama", ["LL301@5:20"]),  # [all] is a literal name, only the string expands
    "v1_unknown_keys.yaml": ("qwen3", ["LL102@4:27", "LL102@4:42"]),
    "v1_cls.yaml": ("qwen2", []),
    "v1_rejected.yaml": ("qwen3", ["LL605@3:21", "LL605@4:45"]),
    "v1_full.yaml": ("qwen3", []),
}
#: fixtures whose LoRA settings LLaMA-Factory does not use (full / freeze fine-tune, resumed adapter)
DISABLED = {"llama3_freeze.yaml", "llama3_resume_adapter.yaml", "v1_rejected.yaml", "v1_full.yaml"}

_providers: dict[str, ModelProvider] = {}


def _provider(model: str) -> ModelProvider:
    if model not in _providers:
        _providers[model] = ModelProvider(override=str(FIXTURE_MODELS / model), offline=True)
    return _providers[model]


def _lint(name: str):
    model, _ = CASES[name]
    return Linter(_provider(model)).lint(Candidate(FIXTURES / name, True))


def _dialect(name: str) -> str:
    return "llamafactory_v1" if name.startswith("v1_") else "llamafactory"


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.yaml")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_findings(name: str) -> None:
    result = _lint(name)
    assert (result.kind, result.dialect) == ("lora", _dialect(name))
    found = sorted(f"{d.code}@{d.span.line}:{d.span.column}" for d in result.diagnostics)
    assert found == sorted(CASES[name][1]), [
        f"{d.code}@{d.span.line}:{d.span.column} {d.message}" for d in result.diagnostics
    ]
    if name not in DISABLED:
        assert result.model["model_class"], result.model


def test_entry_findings_sit_under_the_entry() -> None:
    """The column of a comma-string entry is the entry's own text, quotes and spaces accounted for."""
    for name, entry in (
        ("llama3_lora_typo.yaml", "v_prj"),
        ("llama3_lora_quoted.yaml", "k_prj"),
        ("llama3_lora_quoted.yaml", "lm_haed"),
    ):
        lines = (FIXTURES / name).read_text().splitlines()
        spans = [d.span for d in _lint(name).diagnostics if f"`{entry}`" in d.message]
        assert len(spans) == 1, (name, entry)
        span = spans[0]
        assert lines[span.line - 1][span.column - 1 : span.end_column - 1] == entry


def test_messages_say_what_to_write() -> None:
    hints = {(d.code, d.span.line): d.hint for d in _lint("llama3_unknown_keys.yaml").diagnostics}
    assert hints == {
        ("LL102", 8): "did you mean `lora_alpha`?",
        ("LL102", 9): "did you mean `lora_target`?",
        ("LL102", 10): "write `lora_target`",
    }
    (qlora,) = [d for d in _lint("llama3_qlora_method.yaml").diagnostics if d.code == "LL605"]
    assert "Invalid fine-tuning method" in qlora.message and "quantization_bit" in qlora.hint
    assert qlora.fix_suggestions == ("lora",)
    (typo,) = _lint("v1_comma_targets.yaml").diagnostics
    assert "split it into `q_proj`, `v_proj`" in typo.hint
    v1_keys = {d.message.split("`")[1]: d.hint for d in _lint("v1_unknown_keys.yaml").diagnostics}
    assert v1_keys == {"lora_rank": "write `r`", "alpha": None}


# ---------------------------------------------------------------------------------------------
# LLaMA-Factory, re-implemented from its source (hiyouga/LLaMA-Factory, src/llamafactory)


def lf_split_arg(arg: Any) -> Any:
    """hparams/finetuning_args.py FinetuningArguments.__post_init__.split_arg."""
    if isinstance(arg, str):
        return [item.strip() for item in arg.split(",")]
    return arg


def lf_find_all_linear_modules(model: Any, freeze_vision_tower: bool = True) -> list[str]:
    """model/model_utils/misc.py find_all_linear_modules (the fixture models are not composite, so
    COMPOSITE_MODELS adds no projector or vision-tower keys)."""
    model_type = getattr(model.config, "model_type", None)
    forbidden_modules = {"lm_head"}
    if model_type == "chatglm":
        forbidden_modules.add("output_layer")
    elif model_type == "internlm2":
        forbidden_modules.add("output")
    module_names = set()
    for name, module in model.named_modules():
        if any(forbidden_module in name for forbidden_module in forbidden_modules):
            continue
        if "Linear" in module.__class__.__name__ and "Embedding" not in module.__class__.__name__:
            module_names.add(name.split(".")[-1])
    return list(module_names)


def lf_v1_find_all_linear_modules(model: Any) -> list[str]:
    """v1/plugins/model_plugins/peft.py _find_all_linear_modules."""
    forbidden_modules = {"lm_head", "output_layer", "output", "score", "classifier"}
    module_names = set()
    for name, module in model.named_modules():
        if any(forbidden_module in name for forbidden_module in forbidden_modules):
            continue
        if "Linear" in module.__class__.__name__ and "Embedding" not in module.__class__.__name__:
            module_names.add(name.split(".")[-1])
    return list(module_names)


def lf_classic_lora_config(data: dict[str, Any], model: Any) -> LoraConfig:
    """LoraArguments defaults, FinetuningArguments.__post_init__, then model/adapter.py _setup_lora_tuning."""
    lora_rank = data.get("lora_rank", 8)
    lora_alpha = data.get("lora_alpha") or lora_rank * 2
    lora_target = lf_split_arg(data.get("lora_target", "all"))
    additional_target = lf_split_arg(data.get("additional_target"))
    if len(lora_target) == 1 and lora_target[0] == "all":
        target_modules = lf_find_all_linear_modules(model, data.get("freeze_vision_tower", True))
    else:
        target_modules = lora_target
    peft_kwargs = {
        "r": lora_rank,
        "target_modules": target_modules,
        "lora_alpha": lora_alpha,
        "lora_dropout": data.get("lora_dropout", 0.0),
        "use_rslora": data.get("use_rslora", False),
        "use_dora": data.get("use_dora", False),
        "modules_to_save": additional_target,
    }
    if data.get("pissa_init", False):
        pissa_iter = data.get("pissa_iter", 16)
        peft_kwargs["init_lora_weights"] = "pissa" if pissa_iter == -1 else f"pissa_niter_{pissa_iter}"
    return LoraConfig(task_type=TaskType.CAUSAL_LM, inference_mode=False, **peft_kwargs)


def lf_v1_lora_config(data: dict[str, Any], model: Any) -> LoraConfig:
    """v1/plugins/model_plugins/peft.py get_lora_model (training, no adapter to resume)."""
    config = data["peft_config"]
    target_modules = config.get("target_modules", "all")
    if target_modules == "all":
        target_modules = lf_v1_find_all_linear_modules(model)
    elif isinstance(target_modules, str):
        target_modules = [target_modules]
    cls_name = model.__class__.__name__
    if cls_name.endswith("ForTokenClassification"):
        task_type = TaskType.TOKEN_CLS
    elif cls_name.endswith("ForSequenceClassification"):
        task_type = TaskType.SEQ_CLS
    else:
        task_type = TaskType.CAUSAL_LM
    return LoraConfig(
        task_type=task_type,
        inference_mode=False,
        r=config.get("r", 8),
        lora_alpha=config.get("lora_alpha", 16),
        lora_dropout=config.get("lora_dropout", 0.05),
        use_rslora=config.get("use_rslora", False),
        use_dora=config.get("use_dora", False),
        target_modules=target_modules,
        modules_to_save=config.get("modules_to_save", None),
    )


def lf_model_class(data: dict[str, Any], v1_format: bool) -> str:
    """The class LLaMA-Factory loads: a causal LM, or (v1 `model_class: cls`) a token classifier."""
    if v1_format and data.get("model_class") == "cls":
        return "AutoModelForTokenClassification"
    return "AutoModelForCausalLM"


def build_model(config: dict[str, Any], class_name: str, *, meta: bool = True) -> Any:
    if meta:
        return build_transformers_model(config, class_name)
    # PiSSA's SVD needs real weights: the same tiny model, materialised on the CPU
    torch.manual_seed(0)
    return getattr(transformers, class_name).from_config(transformers.AutoConfig.for_model(**config))


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


ENABLED = sorted(n for n in CASES if n not in DISABLED)


def _spec_and_model(name: str) -> tuple[Any, dict[str, Any], Any, Any]:
    model_name, _ = CASES[name]
    doc = read_document(FIXTURES / name)
    spec = recognise(doc).spec
    config = load_model_config(model_name)
    class_name = lf_model_class(doc.data, name.startswith("v1_"))
    assert choose_auto_class(config, spec.task_type) == class_name  # lora-lint builds what LLaMA-Factory loads
    inventory = build_inventory(config, class_name)
    model = build_model(config, class_name, meta=spec.get("init_lora_weights") is None)
    return spec, doc.data, inventory, model


@pytest.mark.parametrize("name", ENABLED)
def test_spec_is_the_lora_config_llamafactory_builds(name: str) -> None:
    spec, data, inventory, model = _spec_and_model(name)
    options = {k: v for k, v in spec.resolved(inventory).peft_options().items() if k != "base_model_name_or_path"}
    ours = _quiet(LoraConfig, **copy.deepcopy(options)).to_dict()
    theirs = (lf_v1_lora_config if name.startswith("v1_") else lf_classic_lora_config)(data, model).to_dict()
    assert ours == theirs


@pytest.mark.parametrize("name", ENABLED)
def test_peft_targets_what_lora_lint_says(name: str) -> None:
    spec, _, inventory, model = _spec_and_model(name)
    result = _lint(name)
    options = {k: v for k, v in spec.resolved(inventory).peft_options().items() if k != "base_model_name_or_path"}
    try:
        peft_model = _quiet(get_peft_model, model, LoraConfig(**copy.deepcopy(options)))
    except Exception as exc:  # noqa: BLE001 - PEFT refusing the config
        assert result.peft_error is not None, f"PEFT raised {exc!r}, lora-lint did not expect it"
        return
    assert result.peft_error is None, result.peft_error
    assert sorted(peft_model.base_model.targeted_module_names) == sorted(result.targeted_modules)


def test_the_fixtures_cover_both_outcomes() -> None:
    raised = {n for n in ENABLED if _lint(n).peft_error is not None}
    assert raised == {"gpt2_rm_all.yaml", "v1_comma_targets.yaml", "v1_list_all.yaml"}


ARCHITECTURES = sorted(p.name for p in FIXTURE_MODELS.iterdir() if (p / "config.json").is_file())


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_all_expansion_matches_llamafactory(arch: str) -> None:
    """`lora_target: all` / `target_modules: all` on every fixture model: the leaf names LLaMA-Factory finds."""
    config = load_model_config(arch)
    class_name = choose_auto_class(config, None)
    inventory = build_inventory(config, class_name)
    model = build_transformers_model(config, class_name)
    assert set(linear_leaf_names(inventory, "llamafactory")) == set(lf_find_all_linear_modules(model))
    assert set(linear_leaf_names(inventory, "llamafactory-v1")) == set(lf_v1_find_all_linear_modules(model))


@pytest.mark.parametrize("arch", ["llama", "qwen2", "mistral", "gpt2", "bert", "phi3"])
def test_v1_all_expansion_leaves_classifier_heads_out(arch: str) -> None:
    """v1 `model_class: cls` loads a token classifier: its `score` / `classifier` head is not a target."""
    config = load_model_config(arch)
    inventory = build_inventory(config, "AutoModelForTokenClassification")
    model = build_transformers_model(config, "AutoModelForTokenClassification")
    names = set(lf_v1_find_all_linear_modules(model))
    assert set(linear_leaf_names(inventory, "llamafactory-v1")) == names
    assert not names & {"score", "classifier"}


# ---------------------------------------------------------------------------------------------
# the dialects' own semantics, on inline configs


def _spec(text: str, name: str = "train.yaml"):
    doc = parse_text(text, Path(name), "json" if name.endswith(".json") else "yaml")
    recognition = recognise(doc)
    return doc, recognition.spec


@pytest.mark.parametrize(
    "text, dialect",
    [
        ("finetuning_type: lora\n", "llamafactory"),
        ("model_name_or_path: x\nstage: sft\n", "llamafactory"),
        ("model: x\npeft_config: {name: lora}\n", "llamafactory_v1"),
        ("model: x\nquant_config: {name: bnb, quantization_bit: 4}\n", "llamafactory_v1"),
        ("model: x\ndist_config: {name: fsdp2}\n", "llamafactory_v1"),
        # v1 is tried first: a classic key in a v1 file is a mixed file, read as v1
        ("model: x\nfinetuning_type: lora\npeft_config: {name: lora}\n", "llamafactory_v1"),
    ],
)
def test_recognition(text: str, dialect: str) -> None:
    assert _spec(text)[1].dialect == dialect


def test_recognition_order_and_labels() -> None:
    assert FRAMEWORKS.index("llamafactory_v1") < FRAMEWORKS.index("llamafactory")
    assert (classic.LABEL, v1.LABEL) == ("LLaMA-Factory", "LLaMA-Factory v1")
    assert not classic.detect({"stage": "sft"})  # `stage` alone is too common a key
    assert not v1.detect({"peft_config": {"r": 8}})  # a plugin block always has a name
    _, mixed = _spec("model: x\nfinetuning_type: lora\npeft_config: {name: lora}\n")
    assert [p.kind for p in mixed.pitfalls] == ["mixed-dialects"]


def test_classic_defaults() -> None:
    _, spec = _spec("finetuning_type: lora\n")
    assert spec.peft_options() == {
        "r": 8,
        "lora_alpha": 16,
        "lora_dropout": 0.0,
        "task_type": "CAUSAL_LM",
        "bias": "none",
    }
    assert all(f.pointer is None for f in spec.fields.values())  # nothing was written: all defaults
    assert (spec.linear_targets.flavor, spec.linear_targets.pointer) == ("llamafactory", ("finetuning_type",))
    assert spec.schema == "llamafactory-lora.schema.json" and spec.enabled


@pytest.mark.parametrize(
    "text, alpha, pointer",
    [
        ("lora_rank: 32\n", 64, None),
        ("lora_rank: 32\nlora_alpha: null\n", 64, None),
        ("lora_rank: 32\nlora_alpha: 0\n", 64, None),  # `lora_alpha or lora_rank * 2`
        ("lora_rank: 32\nlora_alpha: 16\n", 16, ("lora_alpha",)),
        ("lora_alpha: 8\n", 8, ("lora_alpha",)),
    ],
)
def test_classic_alpha_defaults_to_twice_the_rank(text: str, alpha: int, pointer: Any) -> None:
    _, spec = _spec("finetuning_type: lora\n" + text)
    assert (spec.get("lora_alpha"), spec.fields["lora_alpha"].pointer) == (alpha, pointer)


@pytest.mark.parametrize(
    "target, expected, linear",
    [
        ("all", None, True),
        ("' all '", None, True),  # split_arg strips
        ("[all]", None, True),  # a YAML list of exactly "all"
        ("q_proj, v_proj", ["q_proj", "v_proj"], False),
        ("q_proj,v_proj,", ["q_proj", "v_proj", ""], False),  # split_arg keeps the empty part
        ("all,q_proj", ["all", "q_proj"], False),  # only a lone `all` expands
        ("ALL", ["ALL"], False),
        ("[' q_proj', v_proj]", [" q_proj", "v_proj"], False),  # list entries are not stripped
        ("'.*q_proj'", [".*q_proj"], False),  # a list entry, never a regex
    ],
)
def test_classic_lora_target(target: str, expected: Any, linear: bool) -> None:
    _, spec = _spec(f"finetuning_type: lora\nlora_target: {target}\n")
    assert spec.get("target_modules") == expected
    assert (spec.linear_targets is not None) == linear
    if linear:
        assert spec.linear_targets.pointer == ("lora_target",)


@pytest.mark.parametrize(
    "line, entries",
    [
        ("lora_target: q_proj,v_prj", ["q_proj", "v_prj"]),
        ('lora_target: "q_proj, v_prj"', ["q_proj", "v_prj"]),
        ("lora_target: '  q_proj ,  v_prj '", ["q_proj", "v_prj"]),
        ("lora_target:    q_proj,   v_prj   # comment", ["q_proj", "v_prj"]),
        ("additional_target: embed_tokens,lm_head", ["embed_tokens", "lm_head"]),
    ],
)
def test_comma_entries_point_at_their_own_column(line: str, entries: list[str]) -> None:
    doc, spec = _spec(f"finetuning_type: lora\n{line}\n")
    option = "target_modules" if line.startswith("lora_target") else "modules_to_save"
    assert spec.get(option) == entries
    for index, entry in enumerate(entries):
        span = doc.span(spec.pointer(option, index))
        assert (span.line, doc.lines[1][span.column - 1 : span.end_column - 1]) == (2, entry)


@pytest.mark.parametrize(
    "text",
    [
        'finetuning_type: lora\nlora_target: "q_proj,\\x76_prj"\n',  # an escape: the text is not the value
        "finetuning_type: lora\nlora_target: >-\n  q_proj,\n  v_prj\n",  # folded over several lines
    ],
)
def test_comma_entries_fall_back_to_the_scalar(text: str) -> None:
    doc, spec = _spec(text)
    assert spec.get("target_modules") == ["q_proj", "v_prj"]
    scalar = doc.span(("lora_target",))
    assert [doc.span(spec.pointer("target_modules", i)) for i in range(2)] == [scalar, scalar]


def test_comma_entries_in_json() -> None:
    text = '{\n\t"finetuning_type": "lora",\n\t"lora_target": "q_proj, v_prj"\n}\n'
    doc, spec = _spec(text, "train.json")
    span = doc.span(spec.pointer("target_modules", 1))
    assert text.splitlines()[span.line - 1][span.column - 1 : span.end_column - 1] == "v_prj"


@pytest.mark.parametrize(
    "text, init, pointer",
    [
        ("pissa_init: true\n", "pissa_niter_16", ("pissa_init",)),
        ("pissa_init: true\npissa_iter: 4\n", "pissa_niter_4", ("pissa_iter",)),
        ("pissa_init: true\npissa_iter: -1\n", "pissa", ("pissa_iter",)),
        ("pissa_init: false\npissa_iter: 4\n", None, None),
    ],
)
def test_classic_pissa(text: str, init: Any, pointer: Any) -> None:
    _, spec = _spec("finetuning_type: lora\n" + text)
    assert spec.get("init_lora_weights") == init
    if init is not None:
        assert spec.fields["init_lora_weights"].pointer == pointer


@pytest.mark.parametrize("stage", ["pt", "sft", "rm", "ppo", "dpo", "kto"])
def test_task_type_is_always_causal_lm(stage: str) -> None:
    _, spec = _spec(f"model_name_or_path: x\nstage: {stage}\nfinetuning_type: lora\n")
    assert spec.task_type == "CAUSAL_LM"


@pytest.mark.parametrize(
    "text, kinds, enabled",
    [
        ("finetuning_type: full\nlora_rank: 8\n", ["inert-lora-settings"], False),
        ("finetuning_type: oft\nlora_target: q_proj\nadditional_target: lm_head\n", ["inert-lora-settings"], False),
        ("finetuning_type: freeze\n", [], False),
        ("finetuning_type: freeze\nuse_dora: true\n", ["framework-rejects-config"], False),
        ("finetuning_type: full\nquantization_bit: 4\n", ["framework-rejects-config"], False),
        ("finetuning_type: lora\nuse_galore: true\n", ["framework-rejects-config"], True),
        ("finetuning_type: LoRA\n", ["framework-rejects-config"], True),
        ("finetuning_type: prefix\nlora_rank: 8\n", ["framework-rejects-config"], False),
        ("finetuning_type: lora\nquantization_bit: 4\npissa_init: true\n", ["framework-rejects-config"], True),
        ("finetuning_type: lora\nquantization_bit: 4\nresize_vocab: true\n", ["framework-rejects-config"], True),
        (
            "finetuning_type: lora\nquantization_bit: 4\nquantization_method: eetq\n",
            ["framework-rejects-config"],
            True,
        ),
        ("finetuning_type: lora\nquantization_bit: 3\nquantization_method: hqq\n", [], True),
        ("finetuning_type: lora\nquantization_bit: 8\n", [], True),
        ("finetuning_type: lora\nstage: kto\npissa_init: true\n", ["framework-rejects-config"], True),
        ("finetuning_type: lora\nstage: dpo\npref_loss: orpo\npissa_init: true\n", [], True),
        ("finetuning_type: lora\nadapter_name_or_path: a\n", [], False),  # export / inference configs
        ("finetuning_type: lora\nadapter_name_or_path: a\ncreate_new_adapter: true\nlora_rank: 4\n", [], True),
    ],
)
def test_classic_pitfalls(text: str, kinds: list[str], enabled: bool) -> None:
    _, spec = _spec(text)
    assert ([p.kind for p in spec.pitfalls], spec.enabled) == (kinds, enabled)


def test_v1_defaults_and_pointers() -> None:
    _, spec = _spec("model: Qwen/Qwen3-4B\npeft_config:\n  name: lora\n")
    assert spec.peft_options() == {
        "base_model_name_or_path": "Qwen/Qwen3-4B",
        "task_type": "CAUSAL_LM",
        "r": 8,
        "lora_alpha": 16,
        "lora_dropout": 0.05,
        "use_rslora": False,
        "use_dora": False,
        "bias": "none",
    }
    assert [n for n, f in spec.fields.items() if f.pointer is not None] == ["base_model_name_or_path"]
    assert (spec.linear_targets.flavor, spec.linear_targets.pointer) == ("llamafactory-v1", ("peft_config",))


@pytest.mark.parametrize(
    "target, expected, linear",
    [
        ("all", None, True),
        ("q_proj,v_proj", ["q_proj,v_proj"], False),  # not split
        ("'.*q_proj'", [".*q_proj"], False),  # not a regex: a one-element list
        ("all-linear", ["all-linear"], False),
        ("[all]", ["all"], False),
        ("[q_proj, v_proj]", ["q_proj", "v_proj"], False),
    ],
)
def test_v1_target_modules(target: str, expected: Any, linear: bool) -> None:
    _, spec = _spec(f"model: x\npeft_config:\n  name: lora\n  target_modules: {target}\n")
    assert spec.get("target_modules") == expected
    assert (spec.linear_targets is not None) == linear
    if expected is not None:
        assert spec.pointer("target_modules", 0) == ("peft_config", "target_modules") + (
            (0,) if target.startswith("[") else ()
        )


def test_v1_converts_strings_like_convert_str_dict() -> None:
    _, spec = _spec("model: x\npeft_config: {name: lora, r: '16', lora_dropout: '0.1', use_dora: 'True'}\n")
    assert (spec.get("r"), spec.get("lora_dropout"), spec.get("use_dora")) == (16, 0.1, True)


@pytest.mark.parametrize(
    "model_class, task",
    [("llm", "CAUSAL_LM"), ("cls", "TOKEN_CLS"), ("other", "CAUSAL_LM"), (None, "CAUSAL_LM")],
)
def test_v1_task_type_follows_the_model_class(model_class: str | None, task: str) -> None:
    line = f"model_class: {model_class}\n" if model_class else ""
    _, spec = _spec(f"model: x\n{line}peft_config: {{name: lora}}\n")
    assert spec.task_type == task


@pytest.mark.parametrize(
    "text, kinds, enabled",
    [
        ("dist_config: {name: fsdp2}\n", [], False),
        ("peft_config: {name: freeze, r: 8}\n", ["inert-lora-settings"], False),
        ("peft_config: {name: freeze, freeze_trainable_layers: 2}\n", [], False),
        ("peft_config: {name: LoRA}\n", ["framework-rejects-config"], False),
        ("peft_config: {r: 8}\nquant_config: {name: bnb}\n", ["framework-rejects-config"], False),
        ("peft_config: {name: lora, adapter_name_or_path: a, r: 8}\n", ["inert-lora-settings"], False),
        (
            "peft_config: {name: lora}\nquant_config: {name: auto, quantization_bit: 2}\n",
            ["framework-rejects-config"],
            True,
        ),
        ("peft_config: {name: lora}\nquant_config: {name: bnb, quantization_bit: '8'}\n", [], True),
        ("peft_config: {name: lora}\ninit_config: {name: init_on_meta}\n", ["framework-rejects-config"], True),
        ("peft_config: {name: lora}\nmodel_class: causal\n", ["framework-rejects-config"], True),
    ],
)
def test_v1_pitfalls(text: str, kinds: list[str], enabled: bool) -> None:
    _, spec = _spec("model: x\n" + text)
    assert ([p.kind for p in spec.pitfalls], spec.enabled) == (kinds, enabled)


# ---------------------------------------------------------------------------------------------
# schemas


@pytest.mark.parametrize("name", ["llamafactory-lora.schema.json", "llamafactory-v1-lora.schema.json"])
def test_schema_is_valid_and_documented(name: str) -> None:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(name) and schema["title"] and schema["description"]
    assert "refuses" in schema["x-unknown-key-effect"]

    def walk(properties: dict[str, Any], where: str) -> None:
        for key, prop in properties.items():
            assert prop.get("title") and prop.get("description") and prop.get("x-expects"), f"{where}{key}"
            walk(prop.get("properties", {}), f"{where}{key}.")

    walk(schema["properties"], "")


#: the fields of LoraArguments (hparams/finetuning_args.py) and of v1's LoraConfigDict
LORA_ARGUMENTS = {
    "additional_target",
    "lora_alpha",
    "lora_dropout",
    "lora_rank",
    "lora_target",
    "loraplus_lr_ratio",
    "loraplus_lr_embedding",
    "use_rslora",
    "use_dora",
    "pissa_init",
    "pissa_iter",
    "pissa_convert",
    "create_new_adapter",
}
V1_LORA_KEYS = {
    "name",
    "r",
    "lora_alpha",
    "lora_dropout",
    "target_modules",
    "use_rslora",
    "use_dora",
    "modules_to_save",
    "adapter_name_or_path",
    "export_dir",
    "export_size",
    "export_hub_model_id",
    "infer_dtype",
    "export_legacy_format",
}


def test_schemas_know_every_key_llamafactory_knows() -> None:
    assert LORA_ARGUMENTS <= set(load_schema("llamafactory-lora.schema.json")["properties"])
    peft = load_schema("llamafactory-v1-lora.schema.json")["properties"]["peft_config"]
    assert V1_LORA_KEYS <= set(peft["properties"])
    assert peft["x-lora-namespaces"] == [""]  # every unknown key of the mapping is reported


def test_schema_namespaces_report_unknown_keys_only() -> None:
    data = {"finetuning_type": "lora", "lora_rank": 8, "lora_targt": "all", "pissa_iters": 4, "learning_rate": 1e-4}
    problems = validate(data, "llamafactory-lora.schema.json")
    assert [(p.kind, p.pointer, p.fix_suggestions) for p in problems] == [
        ("unknown-key", ("lora_targt",), ("lora_target",)),
        ("unknown-key", ("pissa_iters",), ("pissa_iter",)),
    ]
    assert "Some keys are not used by the HfArgumentParser" in problems[0].message


# ---------------------------------------------------------------------------------------------
# the real-world corpus and the CLI


def _corpus() -> list[Path]:
    files = sorted(CORPUS.glob("*.y*ml"))
    assert len(files) >= 14, f"the LLaMA-Factory corpus is missing from {CORPUS}"
    return files


def test_every_corpus_file_is_recognised() -> None:
    for path in _corpus():
        doc = read_document(path)
        recognition = recognise(doc)
        expected = "llamafactory_v1" if "__v1__" in path.name else "llamafactory"
        assert (recognition.kind, recognition.dialect) == ("lora", expected), path.name
        assert not [p for p in recognition.spec.pitfalls if p.kind == "framework-rejects-config"], path.name
        problems = validate(doc.data, recognition.spec.schema)
        assert not [p for p in problems if p.kind == "invalid-value"], (path.name, problems)


@pytest.mark.parametrize("model", [None, "llama", "qwen3"])
def test_corpus_lints_without_a_fault(model: str | None) -> None:
    provider = ModelProvider(override=str(FIXTURE_MODELS / model) if model else None, offline=True)
    result = Linter(provider).run([CORPUS])
    assert len(result.files) == len(_corpus())
    assert {f.dialect for f in result.files} == {"llamafactory", "llamafactory_v1"}
    if model is not None:  # every file gets its targets checked on the model
        assert all(f.targeted_modules for f in result.files), [f.path for f in result.files if not f.targeted_modules]


def test_cli_reports_the_entry_column(tmp_path: Path) -> None:
    completed = run_cli(
        "check",
        "--format",
        "json",
        "--offline",
        "--isolated",
        "--model",
        str(FIXTURE_MODELS / "llama"),
        str(FIXTURES / "llama3_lora_typo.yaml"),
        str(FIXTURES / "v1_comma_targets.yaml"),
        cwd=tmp_path,
    )
    assert completed.code == 1, completed.stderr
    report = completed.json()
    found = sorted(
        (Path(d["path"]).name, d["code"], d["line"], d["column"], d["end_column"]) for d in report["diagnostics"]
    )
    assert found == [
        ("llama3_lora_typo.yaml", "LL301", 8, 21, 26),
        ("v1_comma_targets.yaml", "LL301", 7, 19, 32),
    ]
    dialects = {Path(f["path"]).name: f["dialect"] for f in report["files"]}
    assert dialects == {"llama3_lora_typo.yaml": "llamafactory", "v1_comma_targets.yaml": "llamafactory_v1"}
