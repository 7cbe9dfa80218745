"""The shipped name-only inventories: current, and exact for any layer count and layer layout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from linter.models.generate_shipped import ARCHITECTURES, OUTPUT, generate, same_content
from linter.models.meta import build_inventory
from linter.models.shipped import inventory_for, load_shipped
from tests.support import FIXTURE_MODELS, ROOT, write_json

REQUIRED = {
    "llama",
    "mistral",
    "mixtral",
    "qwen2",
    "qwen3",
    "qwen3_moe",
    "gemma",
    "gemma2",
    "gemma3_text",
    "phi",
    "phi3",
    "gpt2",
    "gpt_neox",
    "falcon",
    "bloom",
    "opt",
    "mpt",
    "starcoder2",
    "t5",
    "bart",
    "bert",
    "roberta",
    "distilbert",
    "deepseek_v3",
}


def test_shipped_inventories_are_current() -> None:
    committed = json.loads(OUTPUT.read_text())
    assert set(committed["models"]) >= REQUIRED
    fresh = generate()
    assert same_content(fresh, committed), (
        "linter/data/inventories.json is stale for this transformers: run python -m linter.models.generate_shipped"
    )


def _variant_configs(model_type: str) -> list[dict]:
    """Configs with other depths and layer layouts than the ones the templates were made from."""
    spec = ARCHITECTURES[model_type]
    lengths = spec.get("lengths", {"num_hidden_layers": 3})
    base = {"model_type": model_type, **spec["config"]}
    configs = [{**base, **{key: 5 for key in lengths}}, {**base, **{key: 1 for key in lengths}}]
    if model_type == "deepseek_v3":
        configs.append({**base, "num_hidden_layers": 6, "first_k_dense_replace": 3})
    if model_type == "qwen3_moe":
        configs.append({**base, "num_hidden_layers": 6, "mlp_only_layers": [1, 4], "decoder_sparse_step": 2})
    if model_type == "t5":
        configs.append({**{k: v for k, v in base.items()}, "num_layers": 4})  # decoder depth falls back to it
    return configs


def _shape(modules) -> list[tuple]:
    return [(m.name, m.cls, m.kind, sorted(m.params), m.children) for m in modules]


@pytest.mark.parametrize("model_type", sorted(REQUIRED))
def test_templates_expand_to_the_real_module_tree(model_type: str) -> None:
    classes = load_shipped()["models"][model_type]["auto"]
    for config in _variant_configs(model_type):
        for auto_name in classes:
            real = build_inventory(config, auto_name)
            shipped = inventory_for(config, auto_name)
            assert shipped is not None and shipped.shapes is False
            assert _shape(shipped.modules) == _shape(real.modules), (model_type, auto_name, config)
            assert shipped.output_embeddings == real.output_embeddings
            assert shipped.input_embeddings == real.input_embeddings
            assert shipped.moe_conversion == real.moe_conversion


def test_unknown_architecture_has_no_shipped_inventory() -> None:
    assert inventory_for({"model_type": "my_custom_arch"}, "AutoModelForCausalLM") is None
    assert inventory_for({"model_type": "llama"}, "AutoModelForSpeechSeq2Seq") is None


SCRIPT = """
import sys
sys.modules["torch"] = None          # as if torch and transformers were not installed
sys.modules["transformers"] = None
from linter.cli import main
try:
    main(["--format", "json", *sys.argv[1:]])
except SystemExit as exc:
    print("EXIT", exc.code, file=sys.stderr)
"""


def test_without_torch_names_are_checked_from_the_shipped_inventories(tmp_path: Path) -> None:
    config = {
        "base_model_name_or_path": str(FIXTURE_MODELS / "llama"),
        "r": 8,
        "lora_alpha": 16,
        "target_modules": ["q_proj", "v_prj"],
        "task_type": "CAUSAL_LM",
    }
    write_json(tmp_path / "adapter_config.json", config)
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, "."], cwd=tmp_path, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert "EXIT 1" in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    (file,) = report["files"]
    assert file["targeted_modules"] == ["model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.q_proj"]
    assert file["adapter_size"] is None  # sizes need torch
    assert [d["code"] for d in report["diagnostics"]] == ["LL301"]
    assert any(note.startswith("module names of llama come from lora-lint's shipped") for note in report["notes"])
    assert any("pip install 'lora-lint[models]'" in note for note in report["notes"])


def test_docs_mention_the_generator() -> None:
    assert "python -m linter.models.generate_shipped" in (ROOT / "linter" / "models" / "shipped.py").read_text()


def test_without_torch_moe_target_parameters_are_not_refused_for_unknown_shapes(tmp_path: Path) -> None:
    """Name-only inventories record no parameter shapes: that must not read as PEFT's 'needs 2 or 3 dims'."""
    config = {
        "base_model_name_or_path": str(FIXTURE_MODELS / "qwen3_moe"),
        "r": 8,
        "lora_alpha": 16,
        "target_modules": ["q_proj", "v_proj"],
        "target_parameters": ["mlp.experts.gate_up_proj", "mlp.experts.down_proj"],
        "task_type": "CAUSAL_LM",
    }
    write_json(tmp_path / "adapter_config.json", config)
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, "."], cwd=tmp_path, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert "EXIT 0" in proc.stderr, proc.stdout + proc.stderr
    (file,) = json.loads(proc.stdout)["files"]
    assert file["targeted_parameters"] and all(p.startswith("model.layers.") for p in file["targeted_parameters"])
