"""`lora-lint suggest` writes configs that lint clean and make PEFT target exactly what the preset names.

The matrix: every architecture of the differential test x every preset x every dialect (peft,
axolotl, LLaMA-Factory, TRL). For each written file:

* the engine, run in-process on the file, reports no error, warning or info;
* the LoraConfig the dialect makes of the file (`recognise(read_document(path)).spec
  .resolved(inventory).peft_options()`), given to real PEFT on the meta model of the class that
  dialect loads, targets exactly the modules and parameters of the preset, computed here from the
  model's own module names with a per-architecture table of where each role lives (written from
  the transformers sources, independent of lora-lint's role detection), at the planned ranks,
  with the trainable parameter count written in the file's header comment.

Combinations a framework cannot train (T5 in axolotl and LLaMA-Factory, DistilBERT in
LLaMA-Factory: both load a causal LM, which transformers has no class for) must be refused with a
reason instead. A handful of cases run through the real CLI.
"""

from __future__ import annotations

import copy
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
from peft import LoraConfig, get_peft_model
from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES
from transformers.pytorch_utils import Conv1D

from linter.dialects import recognise
from linter.discover import Candidate
from linter.document import read_document
from linter.engine import Linter
from linter.models.meta import choose_auto_class
from linter.models.provider import ModelProvider
from linter.presets import PRESETS
from linter.suggest import DIALECTS, Request, SuggestError, suggest
from tests.command_support import fill_cache
from tests.support import FIXTURE_MODELS, build_transformers_model, load_model_config, run_cli
from tests.test_differential import ARCHITECTURES

_LLAMA = {"qv": r"self_attn\.[qv]_proj", "attention": r"self_attn\.[qkvo]_proj", "ffn": r"mlp\.(gate|up|down)_proj"}
_FALCON = {
    "qv": r"self_attention\.query_key_value",
    "attention": r"self_attention\.(query_key_value|dense)",
    "ffn": r"mlp\.dense_(h_to_4h|4h_to_h)",
}
_BERT = {
    "qv": r"attention\.self\.(query|value)",
    "attention": r"attention\.(self\.(query|key|value)|output\.dense)",
    "ffn": r"(intermediate|output)\.dense",
}
_MOE = {**_LLAMA, "ffn": r"mlp\.experts\.(gate_up_proj|down_proj)"}
#: where each role lives inside a layer (the path after the layer index), per architecture
LAYOUT: dict[str, dict[str, str]] = {
    "llama": _LLAMA,
    "mistral": _LLAMA,
    "qwen2": _LLAMA,
    "qwen3": _LLAMA,
    "gemma2": _LLAMA,
    "phi": {"qv": r"self_attn\.[qv]_proj", "attention": r"self_attn\.([qkv]_proj|dense)", "ffn": r"mlp\.fc[12]"},
    "phi3": {
        "qv": r"self_attn\.qkv_proj",
        "attention": r"self_attn\.(qkv|o)_proj",
        "ffn": r"mlp\.(gate_up|down)_proj",
    },
    "gpt2": {"qv": r"attn\.c_attn", "attention": r"attn\.c_(attn|proj)", "ffn": r"mlp\.c_(fc|proj)"},
    "gpt_neox": {
        "qv": r"attention\.query_key_value",
        "attention": r"attention\.(query_key_value|dense)",
        "ffn": r"mlp\.dense_(h_to_4h|4h_to_h)",
    },
    "bloom": _FALCON,
    "falcon": _FALCON,
    "opt": {"qv": r"self_attn\.[qv]_proj", "attention": r"self_attn\.([qkv]_proj|out_proj)", "ffn": r"fc[12]"},
    "mpt": {"qv": r"attn\.Wqkv", "attention": r"attn\.(Wqkv|out_proj)", "ffn": r"ffn\.(up|down)_proj"},
    "t5": {
        "qv": r"(SelfAttention|EncDecAttention)\.[qv]",
        "attention": r"(SelfAttention|EncDecAttention)\.[qkvo]",
        "ffn": r"DenseReluDense\.w[io]",
    },
    "bert": _BERT,
    "roberta": _BERT,
    "distilbert": {
        "qv": r"attention\.[qv]_lin",
        "attention": r"attention\.(q|k|v|out)_lin",
        "ffn": r"ffn\.lin[12]",
    },
    "mixtral": _MOE,
    "qwen3_moe": _MOE,
}
#: root modules that are task or LM heads (never LoRA targets of a preset)
HEAD_ROOTS = ("lm_head", "classifier", "pre_classifier", "score", "qa_outputs", "cls")
#: task types each framework can express (the first is its default)
FRAMEWORK_TASKS = {"axolotl": ("CAUSAL_LM", "SEQ_CLS", "TOKEN_CLS"), "llamafactory": ("CAUSAL_LM",)}
R, FFN_R = 8, 4


def _in_layer(name: str, pattern: str) -> bool:
    return re.search(rf"\.\d+\.({pattern})$", name) is not None


def expected_targets(model: Any, arch: str, preset: str, dialect: str) -> tuple[set[str], set[str], set[str]]:
    """(modules, parameters, FFN keys) the preset names on this model, from its own names."""
    layout = LAYOUT[arch]
    modules = [n for n, m in model.named_modules() if n]
    linear = [n for n, m in model.named_modules() if n and isinstance(m, (torch.nn.Linear, Conv1D))]
    three_d = [n for n, p in model.named_parameters() if p.dim() == 3]
    output = model.get_output_embeddings()
    output_name = next((n for n, m in model.named_modules() if output is not None and m is output), None)
    pick = {role: {n for n in modules + three_d if _in_layer(n, layout[role])} for role in layout}
    if preset == "attention-qv":
        chosen = pick["qv"]
    elif preset == "attention":
        chosen = pick["attention"]
    elif preset == "attention-ffn":
        chosen = pick["attention"] | pick["ffn"]
    else:
        heads = {n for n in linear if n == output_name or n.split(".")[0] in HEAD_ROOTS}
        chosen = (set(linear) - heads) | set(three_d)
    if dialect == "llamafactory":
        chosen -= set(three_d)  # LLaMA-Factory has no target_parameters
    ffn = pick["ffn"] & chosen if preset in ("attention-ffn", "all-linear") else set()
    return chosen - set(three_d), chosen & set(three_d), ffn


def dialect_task(arch: str, dialect: str) -> str | None:
    """The --task-type the matrix passes: the architecture's, where the framework can express it."""
    task = ARCHITECTURES[arch]
    if dialect in FRAMEWORK_TASKS and task not in FRAMEWORK_TASKS[dialect]:
        return None
    return task


def refused(arch: str, dialect: str) -> bool:
    """A framework that loads a causal LM cannot train a model transformers has no causal-LM class for."""
    loads_causal = dialect in FRAMEWORK_TASKS and dialect_task(arch, dialect) in (None, "CAUSAL_LM")
    return loads_causal and load_model_config(arch)["model_type"] not in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES


class PeftRuns:
    """Real PEFT outcomes, memoised: many dialects give PEFT the same LoraConfig."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[Any, ...]] = {}

    def run(self, config_dict: dict, class_name: str, options: dict[str, Any]) -> tuple[Any, ...]:
        key = json.dumps([class_name, options], sort_keys=True, default=str)
        if key not in self._seen:
            model = build_transformers_model(config_dict, class_name)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                peft_model = get_peft_model(model, LoraConfig(**copy.deepcopy(options)))
            tuner = peft_model.base_model
            ranks = {}
            for name in tuner.targeted_module_names:
                ranks[name] = peft_model.get_submodule(f"base_model.model.{name}").r["default"]
            for name in tuner.targeted_parameter_names:
                module = peft_model.get_submodule(f"base_model.model.{name.rpartition('.')[0]}")
                ranks[name] = module.r["default"]
            self._seen[key] = (
                set(tuner.targeted_module_names),
                set(tuner.targeted_parameter_names),
                peft_model.get_nb_trainable_parameters()[0],
                ranks,
            )
        return self._seen[key]


@pytest.fixture(scope="module")
def peft_runs() -> PeftRuns:
    return PeftRuns()


def _written_count(text: str) -> int:
    match = re.search(r"^# trainable parameters: ([\d,]+)", text, flags=re.M)
    assert match, text
    return int(match.group(1).replace(",", ""))


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_suggest_matrix_lints_clean_and_peft_targets_the_preset(
    arch: str, tmp_path: Path, peft_runs: PeftRuns
) -> None:
    fixture = FIXTURE_MODELS / arch
    config_dict = load_model_config(arch)
    provider = ModelProvider(override=str(fixture), offline=True)
    linter = Linter(provider)
    models: dict[str, Any] = {}
    problems: list[str] = []
    for dialect in DIALECTS:
        for preset in PRESETS:
            label = f"{arch} {preset} {dialect}"
            request = Request(
                model=str(fixture), preset=preset, dialect=dialect, task_type=dialect_task(arch, dialect)
            )
            try:
                written = suggest(request, provider)
            except SuggestError as exc:
                if not refused(arch, dialect):
                    problems.append(f"{label}: refused: {exc}")
                else:
                    assert "has no model class" in str(exc) and "--dialect peft or trl" in str(exc), exc
                continue
            if refused(arch, dialect):
                problems.append(f"{label}: written although the framework cannot load this model")
                continue
            path = tmp_path / f"{dialect}-{preset}.yaml"
            path.write_text(written.text, encoding="utf-8")
            result = linter.lint(Candidate(path, True))
            findings = [f"{d.code} {d.message}" for d in result.diagnostics]
            if findings:
                problems.append(f"{label}: lora-lint reports {findings}")
                continue
            spec = recognise(read_document(path)).spec
            assert spec.dialect == dialect, label
            outcome = provider.model_for(spec.model_ref, spec.revision, spec.task_type, tmp_path)
            options = spec.resolved(outcome.inventory).peft_options()
            class_name = choose_auto_class(config_dict, spec.task_type)
            if class_name not in models:
                models[class_name] = build_transformers_model(config_dict, class_name)
            modules, parameters, ffn = expected_targets(models[class_name], arch, preset, dialect)
            got_modules, got_parameters, trainable, ranks = peft_runs.run(config_dict, class_name, options)
            if (got_modules, got_parameters) != (modules, parameters):
                diff = sorted((got_modules | got_parameters) ^ (modules | parameters))
                problems.append(f"{label}: PEFT targets differ from the preset: {diff[:6]}")
                continue
            ffn_rank = FFN_R if dialect == "peft" else R
            wrong = {k: v for k, v in ranks.items() if v != (ffn_rank if k in ffn else R)}
            if wrong:
                problems.append(f"{label}: ranks {wrong}")
            if _written_count(written.text) != trainable:
                problems.append(f"{label}: header says {_written_count(written.text)}, PEFT counts {trainable}")
            if spec.task_type in ("SEQ_CLS", "TOKEN_CLS") and not options.get("modules_to_save"):
                problems.append(f"{label}: no classification head in modules_to_save")
    assert not problems, "\n".join(problems)


def test_cli_choices_are_the_librarys() -> None:
    from linter.commands import suggest as command

    assert command.PRESET_CHOICES == tuple(PRESETS)
    assert command.DIALECT_CHOICES == DIALECTS


def test_suggest_writes_each_architectures_own_names(tmp_path: Path) -> None:
    expected = {
        "gpt2": ["c_attn"],
        "gpt_neox": ["query_key_value"],
        "phi3": ["qkv_proj"],
        "t5": ["q", "v"],
        "bert": ["query", "value"],
        "mpt": ["Wqkv"],
        "llama": ["q_proj", "v_proj"],
    }
    for arch, names in expected.items():
        provider = ModelProvider(offline=True)
        written = suggest(Request(model=str(FIXTURE_MODELS / arch)), provider)
        assert written.data["target_modules"] == names, arch
        assert written.data["r"] == 8 and written.data["lora_alpha"] == 16
    bert = suggest(Request(model=str(FIXTURE_MODELS / "bert"), preset="attention-ffn"), ModelProvider(offline=True))
    assert bert.data["modules_to_save"] == ["classifier"]
    assert bert.data["task_type"] == "SEQ_CLS"
    # BERT's FFN output `layer.N.output.dense` ends like `attention.output.dense`: its rank key is anchored
    assert bert.data["rank_pattern"] == {r"intermediate\.dense": 4, r"\d+\.output\.dense": 4}
    assert bert.data["alpha_pattern"] == {r"intermediate\.dense": 8, r"\d+\.output\.dense": 8}
    distil = suggest(Request(model=str(FIXTURE_MODELS / "distilbert")), ModelProvider(offline=True))
    assert distil.data["modules_to_save"] == ["pre_classifier", "classifier"]


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    models = [("gpt2", None), ("gpt2", "CAUSAL_LM"), ("qwen3_moe", None), ("qwen3_moe", "CAUSAL_LM"), ("bert", None)]
    return fill_cache(tmp_path_factory.mktemp("suggest-cache"), models)


def test_suggest_cli_writes_a_file_that_lints_clean(tmp_path: Path, warm_cache: dict[str, str]) -> None:
    out = tmp_path / "gpt2-lora.yaml"
    model = str(FIXTURE_MODELS / "gpt2")
    result = run_cli(
        "suggest", model, "--preset", "attention-ffn", "--r", "16", "-o", str(out), "--offline", env=warm_cache
    )
    assert result.code == 0, result.stderr
    text = out.read_text()
    assert text.startswith("# LoRA config for GPT2LMHeadModel (gpt2), PEFT keys")
    assert "target_modules: [c_attn, attn.c_proj, c_fc, mlp.c_proj]" in text
    assert "rank_pattern:\n  c_fc: 4\n  mlp\\.c_proj: 4\n" in text
    assert "lora_alpha: 32\n" in text and "fan_in_fan_out: true\n" in text
    lint = run_cli(str(out), "--offline", env=warm_cache)
    assert lint.code == 0, lint.stdout
    assert lint.stdout.endswith("All checks passed (1 LoRA config).\n")
    again = run_cli("suggest", model, "-o", str(out), "--offline", env=warm_cache)
    assert again.code == 2 and "--force" in again.stderr


def test_suggest_cli_dialects_and_formats(tmp_path: Path, warm_cache: dict[str, str]) -> None:
    model = str(FIXTURE_MODELS / "qwen3_moe")
    trl = run_cli(
        "suggest",
        model,
        "--preset",
        "attention-ffn",
        "--dialect",
        "trl",
        "--format",
        "json",
        "--offline",
        env=warm_cache,
    )
    assert trl.code == 0, trl.stderr
    data = json.loads(trl.stdout)
    assert data["use_peft"] is True and data["lora_target_parameters"] == ["gate_up_proj", "down_proj"]
    assert data["lora_dropout"] == 0.0  # PEFT refuses dropout with target_parameters
    assert "TRL has no rank_pattern" in trl.stderr
    (tmp_path / "trl.json").write_text(trl.stdout)
    lf = run_cli(
        "suggest", model, "--preset", "attention-ffn", "--dialect", "llamafactory", "--offline", env=warm_cache
    )
    assert lf.code == 0, lf.stderr
    assert "lora_target: q_proj,k_proj,v_proj,o_proj\n" in lf.stdout
    assert "# note: LLaMA-Factory has no target_parameters" in lf.stdout
    (tmp_path / "lf.yaml").write_text(lf.stdout)
    lint = run_cli(".", "--offline", cwd=tmp_path, env=warm_cache)
    assert lint.code == 0, lint.stdout
    assert "All checks passed (2 LoRA configs)." in lint.stdout


def test_suggest_refuses_what_the_framework_cannot_train(warm_cache: dict[str, str]) -> None:
    """A task type the framework cannot express is refused (the matrix covers models it cannot load)."""
    bert = str(FIXTURE_MODELS / "bert")
    task = run_cli("suggest", bert, "--dialect", "llamafactory", "--task-type", "SEQ_CLS", env=warm_cache)
    assert task.code == 1
    assert "LLaMA-Factory cannot train task type SEQ_CLS (it trains CAUSAL_LM); use --dialect peft or trl" in (
        task.stderr
    )
    assert "Traceback" not in task.stderr
    with pytest.raises(SuggestError, match="has no model class for model_type 't5'"):
        suggest(Request(model=str(FIXTURE_MODELS / "t5"), dialect="axolotl"), ModelProvider(offline=True))


def test_suggest_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a shipped name-only description: the same names; MoE experts left out, saying why; no count."""
    from linter.models import meta

    monkeypatch.setattr(meta, "models_available", lambda: False)
    provider = ModelProvider(offline=True)
    gpt2 = suggest(Request(model=str(FIXTURE_MODELS / "gpt2"), preset="attention-ffn"), provider)
    assert gpt2.data["target_modules"] == ["c_attn", "attn.c_proj", "c_fc", "mlp.c_proj"]
    assert "trainable parameters" not in gpt2.text
    mixtral = suggest(Request(model=str(FIXTURE_MODELS / "mixtral"), preset="attention-ffn"), provider)
    assert mixtral.data["target_modules"] == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert "target_parameters" not in mixtral.data
    assert "the experts are left out" in mixtral.text


def test_target_names_pick_the_shortest_name_that_selects_exactly() -> None:
    from linter.target_names import exact_entry, list_entries, pattern_key, pattern_matches, suffix_matches

    universe = [
        "m.0.attention.output.dense",
        "m.0.output.dense",
        "m.1.attention.output.dense",
        "m.1.output.dense",
        "pooler.dense",
    ]
    ffn = ["m.0.output.dense", "m.1.output.dense"]
    attention = ["m.0.attention.output.dense", "m.1.attention.output.dense"]
    assert exact_entry(attention, universe) == "attention.output.dense"
    assert exact_entry(ffn, universe) is None  # `output.dense` also ends `attention.output.dense`
    # covering within the union is fine for target_modules ...
    assert list_entries([attention, ffn], universe) == ["attention.output.dense", "output.dense"]
    assert suffix_matches("output.dense", universe) == set(attention + ffn)
    # ... but not alone: then the full names
    assert list_entries([ffn], universe) == ffn
    # a rank_pattern key must be exact: anchored at the layer index
    paths = {name: "output.dense" for name in ffn}
    key = pattern_key(ffn, attention + ffn, paths)
    assert key == r"\d+\.output\.dense" and pattern_matches(key, attention + ffn) == set(ffn)
    assert pattern_key(["m.0.output.dense"], attention + ffn) == r"m\.0\.output\.dense"
