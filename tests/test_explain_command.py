"""`lora-lint explain` through the real CLI: its JSON facts are PEFT's, its text grid is stable.

For configs that use what a list of names hides (layers_to_transform, a regex, exclude_modules,
modules_to_save, rank_pattern, MoE target_parameters, a framework's all-linear switch), the grid's
targeted cells must be exactly real PEFT's `targeted_module_names` and `targeted_parameter_names`
(with PEFT's rank for each), its saved cells the modules PEFT wraps in ModulesToSaveWrapper, and
its totals PEFT's trainable parameter count. One small config has a text snapshot.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from peft import LoraConfig, get_peft_model
from peft.utils.other import ModulesToSaveWrapper

from linter.dialects import recognise
from linter.document import read_document
from linter.models.meta import choose_auto_class
from linter.models.provider import ModelProvider
from tests.command_support import fill_cache
from tests.support import FIXTURE_MODELS, build_transformers_model, run_cli

LLAMA = str(FIXTURE_MODELS / "llama")

CONFIGS: dict[str, dict[str, Any]] = {
    "layers-exclude-save-rank": {
        "base_model_name_or_path": LLAMA,
        "task_type": "CAUSAL_LM",
        "r": 8,
        "lora_alpha": 16,
        "target_modules": ["q_proj", "v_proj", "down_proj"],
        "layers_to_transform": [1],
        "exclude_modules": ["model.layers.1.self_attn.v_proj"],
        "rank_pattern": {"down_proj": 4},
        "modules_to_save": ["lm_head"],
    },
    "t5-regex": {
        "base_model_name_or_path": str(FIXTURE_MODELS / "t5"),
        "task_type": "SEQ_2_SEQ_LM",
        "r": 4,
        "target_modules": r".*decoder.*EncDecAttention\.(q|v)",
    },
    "mixtral-experts": {
        "base_model_name_or_path": str(FIXTURE_MODELS / "mixtral"),
        "task_type": "CAUSAL_LM",
        "r": 8,
        "lora_dropout": 0.0,
        "target_modules": ["o_proj"],
        "target_parameters": ["gate_up_proj"],
        "rank_pattern": {"gate_up_proj": 2},
    },
    "roberta-head": {
        "base_model_name_or_path": str(FIXTURE_MODELS / "roberta"),
        "task_type": "SEQ_CLS",
        "r": 8,
        "target_modules": ["query", "value"],
    },
    "axolotl-linear": {
        "base_model": LLAMA,
        "adapter": "lora",
        "lora_r": 16,
        "lora_alpha": 32,
        "lora_target_linear": True,
        "peft_layers_to_transform": [0],
    },
}


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    models = [("llama", "CAUSAL_LM"), ("t5", "SEQ_2_SEQ_LM"), ("mixtral", "CAUSAL_LM"), ("roberta", "SEQ_CLS")]
    return fill_cache(tmp_path_factory.mktemp("explain-cache"), models)


def _peft(path: Path) -> tuple[Any, dict[str, Any]]:
    """Real PEFT on the LoraConfig the file's dialect produces, on the class lora-lint builds."""
    spec = recognise(read_document(path)).spec
    provider = ModelProvider(offline=True)
    outcome = provider.model_for(spec.model_ref, spec.revision, spec.task_type, path.parent)
    options = spec.resolved(outcome.inventory).peft_options()
    config_dict = json.loads(Path(outcome.source.config_path).read_text())
    model = build_transformers_model(config_dict, choose_auto_class(config_dict, spec.task_type))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return get_peft_model(model, LoraConfig(**copy.deepcopy(options))), options


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_explain_json_is_what_peft_does(name: str, tmp_path: Path, warm_cache: dict[str, str]) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(CONFIGS[name], sort_keys=False))
    result = run_cli("explain", str(path), "--format", "json", "--offline", env=warm_cache)
    assert result.code == 0, result.stderr
    report = result.json()
    cells = [cell for stack in report["stacks"] for layer in stack["layers"] for cell in layer["cells"].values()]
    cells += report["outside"]
    keys = [cell["key"] for cell in cells]
    assert len(keys) == len(set(keys)), "a module shown twice"

    peft_model, _ = _peft(path)
    tuner = peft_model.base_model
    targeted = {cell["key"]: cell for cell in cells if cell["state"] == "targeted"}
    assert set(targeted) == set(tuner.targeted_module_names) | set(tuner.targeted_parameter_names)
    for key, cell in targeted.items():
        owner = key if key in tuner.targeted_module_names else key.rpartition(".")[0]
        assert cell["rank"] == peft_model.get_submodule(f"base_model.model.{owner}").r["default"], key
    wrapped = [
        n.removeprefix("base_model.model.")
        for n, m in peft_model.named_modules()
        if isinstance(m, ModulesToSaveWrapper)
    ]
    saved = {cell["key"] for cell in cells if cell["state"] == "saved"}
    assert set(report["saved_modules"]) == set(wrapped)
    assert all(any(k == w or k.startswith(w + ".") for w in wrapped) for k in saved)
    assert {k for k in keys if k in wrapped} <= saved
    assert report["totals"]["trainable"] == peft_model.get_nb_trainable_parameters()[0]
    assert report["totals"]["targeted_modules"] == len(tuner.targeted_module_names)
    assert report["peft_error"] is None


def test_explain_shows_layer_selection_and_exclusions(tmp_path: Path, warm_cache: dict[str, str]) -> None:
    path = tmp_path / "lora.yaml"
    path.write_text(yaml.safe_dump(CONFIGS["layers-exclude-save-rank"], sort_keys=False))
    report = run_cli("explain", str(path), "--format", "json", "--offline", env=warm_cache).json()
    (stack,) = report["stacks"]
    layers = {layer["index"]: layer["cells"] for layer in stack["layers"]}
    assert layers[0]["self_attn.q_proj"]["state"] == "outside-layers"
    assert layers[0]["mlp.down_proj"]["state"] == "outside-layers"
    assert layers[1]["self_attn.q_proj"] == {
        "key": "model.layers.1.self_attn.q_proj",
        "state": "targeted",
        "rank": 8,
        "alpha": 16,
    }
    assert layers[1]["self_attn.v_proj"]["state"] == "excluded"
    assert layers[1]["mlp.down_proj"]["rank"] == 4
    assert layers[1]["self_attn.k_proj"]["state"] == "not-targeted"
    assert [c["path"] for c in stack["columns"]][:2] == ["self_attn.q_proj", "self_attn.k_proj"]
    assert {row["key"]: row["state"] for row in report["outside"]} == {
        "model.embed_tokens": "not-targeted",
        "lm_head": "saved",
    }


SNAPSHOT = """\
lora.yaml (peft): LoRA on LlamaForCausalLM (llama)
  r=8, lora_alpha=16, target_modules=[q_proj, v_proj, down_proj], exclude_modules=[model.layers.1.self_attn.v_proj],
  layers_to_transform=[1], modules_to_save=[lm_head], rank_pattern={down_proj: 4}, task_type=CAUSAL_LM

model.layers (layers down, modules across)
         self_attn                    mlp
  layer  q_proj k_proj v_proj o_proj  gate_proj up_proj down_proj
      0    -      .      -      .         .        .        -
      1    8      .      x      .         .        .        4

outside the layers
  model.embed_tokens  Embedding  .
  lm_head             Linear     S

legend: a number = LoRA at that rank (rank_pattern shows as a different number); . not targeted;
  x excluded by exclude_modules; - matched, but its layer is not in layers_to_transform;
  S saved whole: trained in full and saved (modules_to_save, task head);
  ! matched, but LoRA cannot wrap it (PEFT raises)

targeted: 2 modules
saved whole: lm_head
trainable parameters: 9,984 = 11.04% of 90,432 in the base model
"""


def test_explain_text_snapshot(tmp_path: Path, warm_cache: dict[str, str]) -> None:
    (tmp_path / "lora.yaml").write_text(yaml.safe_dump(CONFIGS["layers-exclude-save-rank"], sort_keys=False))
    result = run_cli("explain", "lora.yaml", "--offline", cwd=tmp_path, env=warm_cache)
    assert result.code == 0, result.stderr
    assert result.stdout == SNAPSHOT


def test_explain_refuses_what_is_not_a_lora_config(tmp_path: Path) -> None:
    (tmp_path / "train.yaml").write_text("learning_rate: 0.0002\n")
    result = run_cli("explain", "train.yaml", cwd=tmp_path)
    assert result.code == 1
    assert "cannot explain train.yaml: lora-lint does not recognise it as a LoRA config" in result.stderr
    assert "Traceback" not in result.stderr
