"""Building models: the meta device, the task type's auto class, once per run, no foreign code."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from linter.discover import Candidate
from linter.engine import Linter
from linter.models.meta import build_inventory, choose_auto_class
from linter.models.provider import ModelProvider
from tests.support import FIXTURE_MODELS, ROOT, load_model_config, run_cli, write_json


def test_task_type_picks_the_auto_class_and_architectures_the_rest() -> None:
    bert = load_model_config("bert")
    assert choose_auto_class(bert, "TOKEN_CLS") == "AutoModelForTokenClassification"
    assert choose_auto_class(bert, "QUESTION_ANS") == "AutoModelForQuestionAnswering"
    assert choose_auto_class(bert, "FEATURE_EXTRACTION") == "AutoModel"
    assert choose_auto_class(bert, None) == "BertForSequenceClassification"
    inventory = build_inventory(bert, choose_auto_class(bert, "QUESTION_ANS"))
    assert inventory.model_class == "BertForQuestionAnswering"
    assert inventory.module("qa_outputs").kind == "linear"


def test_inventory_describes_modules_shapes_and_parameters() -> None:
    mixtral = build_inventory(load_model_config("mixtral"), "AutoModelForCausalLM")
    experts = mixtral.module("model.layers.0.mlp.experts")
    assert experts.kind == "experts" and not experts.wrappable
    assert experts.params["gate_up_proj"] == [4, 256, 64]
    assert mixtral.moe_conversion == "mixtral"
    q = mixtral.module("model.layers.0.self_attn.q_proj")
    assert (q.kind, q.in_features, q.out_features) == ("linear", 64, 64)
    gpt2 = build_inventory(load_model_config("gpt2"), "GPT2LMHeadModel")
    c_attn = gpt2.module("transformer.h.0.attn.c_attn")
    assert (c_attn.kind, c_attn.in_features, c_attn.out_features) == ("conv1d_hf", 64, 192)
    assert gpt2.output_embeddings == "lm_head"
    assert ["transformer.wte.weight", "lm_head.weight"] in gpt2.tied_parameters
    # plain data: a round trip through JSON gives the same Inventory
    again = type(gpt2).from_dict(json.loads(json.dumps(gpt2.to_dict())))
    assert again.to_dict() == gpt2.to_dict()


def test_each_distinct_model_is_built_once_per_run(tmp_path: Path) -> None:
    provider = ModelProvider(offline=True)
    linter = Linter(provider)
    for i in range(5):
        path = write_json(
            tmp_path / f"a{i}" / "adapter_config.json",
            {
                "base_model_name_or_path": str(FIXTURE_MODELS / "llama"),
                "r": 8,
                "target_modules": ["q_proj"],
                "task_type": "CAUSAL_LM",
            },
        )
        assert linter.lint(Candidate(path, True)).model["model_class"] == "LlamaForCausalLM"
    path = write_json(
        tmp_path / "cls" / "adapter_config.json",
        {
            "base_model_name_or_path": str(FIXTURE_MODELS / "llama"),
            "r": 8,
            "target_modules": ["q_proj"],
            "task_type": "SEQ_CLS",
        },
    )
    assert linter.lint(Candidate(path, True)).model["model_class"] == "LlamaForSequenceClassification"
    assert len(provider._builds) == 2  # (llama, causal LM) and (llama, sequence classification)


def test_remote_code_is_never_imported_without_the_flag(tmp_path: Path) -> None:
    model = tmp_path / "custom-model"
    model.mkdir()
    marker = tmp_path / "executed"
    (model / "config.json").write_text(
        json.dumps(
            {
                "model_type": "my_custom_arch",
                "architectures": ["MyCustomForCausalLM"],
                "auto_map": {
                    "AutoConfig": "configuration_custom.MyConfig",
                    "AutoModelForCausalLM": "modeling_custom.MyCustomForCausalLM",
                },
            }
        )
    )
    for name in ("configuration_custom.py", "modeling_custom.py"):
        (model / name).write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    write_json(
        tmp_path / "adapter_config.json",
        {"base_model_name_or_path": str(model), "r": 8, "target_modules": ["q_proj"], "lora_alhpa": 8},
    )
    result = run_cli("--format", "json", ".", cwd=tmp_path)
    assert result.code == 0, result.stderr
    (file,) = result.json()["files"]
    assert file["model"]["unavailable"] == "needs-remote-code"
    codes = sorted(d["code"] for d in result.json()["diagnostics"])
    assert codes == ["LL102", "LL201"]  # schema checks still ran
    assert not marker.exists()


def test_wheel_ships_the_schemas(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    (wheel,) = tmp_path.glob("lora_lint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "linter/schemas/peft-lora.schema.json" in names
    assert "linter/cli.py" in names
    assert not any(n.startswith("tests/") for n in names)


CUSTOM_CONFIG = """
from transformers import PretrainedConfig


class TinyCustomConfig(PretrainedConfig):
    model_type = "tiny_custom"

    def __init__(self, hidden=16, **kwargs):
        self.hidden = hidden
        super().__init__(**kwargs)
"""

CUSTOM_MODEL = """
import torch
from transformers import PreTrainedModel

from .configuration_custom import TinyCustomConfig


class TinyCustomForCausalLM(PreTrainedModel):
    config_class = TinyCustomConfig

    def __init__(self, config):
        super().__init__(config)
        self.blocks = torch.nn.ModuleList(
            [torch.nn.ModuleDict({"wq": torch.nn.Linear(config.hidden, config.hidden)}) for _ in range(2)]
        )
        self.post_init()
"""


def test_trust_remote_code_builds_a_custom_model_from_its_own_code(tmp_path: Path) -> None:
    model = tmp_path / "custom"
    model.mkdir()
    (model / "configuration_custom.py").write_text(CUSTOM_CONFIG)
    (model / "modeling_custom.py").write_text(CUSTOM_MODEL)
    (model / "config.json").write_text(
        json.dumps(
            {
                "model_type": "tiny_custom",
                "architectures": ["TinyCustomForCausalLM"],
                "auto_map": {
                    "AutoConfig": "configuration_custom.TinyCustomConfig",
                    "AutoModelForCausalLM": "modeling_custom.TinyCustomForCausalLM",
                },
                "hidden": 16,
            }
        )
    )
    write_json(
        tmp_path / "adapter_config.json",
        {"base_model_name_or_path": str(model), "r": 4, "target_modules": ["wq", "wk"]},
    )
    env = {"HF_MODULES_CACHE": str(tmp_path / "modules")}
    refused = run_cli("--format", "json", ".", cwd=tmp_path, env=env)
    assert refused.json()["files"][0]["model"]["unavailable"] == "needs-remote-code"
    trusted = run_cli("--format", "json", "--trust-remote-code", ".", cwd=tmp_path, env=env)
    report = trusted.json()
    assert report["files"][0]["model"]["model_class"] == "TinyCustomForCausalLM", trusted.stderr
    assert report["files"][0]["targeted_modules"] == ["blocks.0.wq", "blocks.1.wq"]
    assert sorted(d["code"] for d in report["diagnostics"]) == ["LL301", "LL402"]  # `wk` does not exist
