"""`lora-lint inspect` against real PEFT, through the real CLI.

For every fixture architecture (20: the differential test's 19 and gemma), `inspect --format json`
runs as a subprocess. Then, on the same model built on the meta device:

* every module PEFT can wrap (PEFT's `dispatch_default` classes) is in exactly one group, and
  every 3-D parameter (fused MoE experts) is in exactly one parameter group;
* for each group, `get_peft_model` with a LoraConfig targeting exactly that group's full names
  at rank R targets exactly those names, and `get_nb_trainable_parameters()[0]` equals the cost
  inspect shows;
* PEFT's defaults: the modules and cost inspect reports for an omitted `target_modules` are what
  PEFT does (or PEFT raises where inspect says it would).

The subprocesses read inventories from a cache filled in-process first (a warm run, as a user's
second run is), so the suite does not pay a torch import per architecture; one text run and the
README example build cold.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
from peft import LoraConfig, get_peft_model
from transformers.pytorch_utils import Conv1D

from linter.models.meta import choose_auto_class
from tests.command_support import fill_cache
from tests.support import FIXTURE_MODELS, ROOT, build_transformers_model, load_model_config, run_cli

ARCHS = sorted(p.name for p in FIXTURE_MODELS.iterdir() if (p / "config.json").is_file())
RANK = 4
#: the classes PEFT's LoRA `dispatch_default` wraps
PEFT_WRAPPABLE = (
    torch.nn.Linear,
    Conv1D,
    torch.nn.Embedding,
    torch.nn.Conv1d,
    torch.nn.Conv2d,
    torch.nn.Conv3d,
    torch.nn.MultiheadAttention,
)


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A cache holding the Inventory of every fixture model, as a first run leaves it."""
    models = [(arch, None) for arch in ARCHS] + [("llama", "SEQ_CLS")]
    return fill_cache(tmp_path_factory.mktemp("inspect-cache"), models)


def _inspect(arch: str, env: dict[str, str], *args: str) -> Any:
    result = run_cli("inspect", str(FIXTURE_MODELS / arch), "--offline", *args, env=env)
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def _peft(config_dict: dict, class_name: str, options: dict[str, Any]) -> tuple[Any, str | None]:
    model = build_transformers_model(config_dict, class_name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return get_peft_model(model, LoraConfig(**options)), None
    except Exception as exc:  # noqa: BLE001 - PEFT refusing the config
        return None, f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("arch", ARCHS)
def test_inspect_groups_cover_every_wrappable_module_and_cost_what_peft_counts(
    arch: str, warm_cache: dict[str, str]
) -> None:
    report = _inspect(arch, warm_cache, "--format", "json", "--r", str(RANK)).json()
    config_dict = load_model_config(arch)
    class_name = choose_auto_class(config_dict, None)
    assert report["model"]["model_class"] == class_name
    model = build_transformers_model(config_dict, class_name)
    wrappable = [name for name, m in model.named_modules() if name and isinstance(m, PEFT_WRAPPABLE)]
    three_d = [name for name, p in model.named_parameters() if p.dim() == 3]

    groups = report["groups"]
    module_names = [n for g in groups if g["lora"] == "module" for n in g["names"]]
    parameter_names = [n for g in groups if g["lora"] == "parameter" for n in g["names"]]
    assert sorted(module_names) == sorted(wrappable)  # each wrappable module once, nothing else
    assert len(parameter_names) == len(set(parameter_names))
    assert set(three_d) <= set(parameter_names)
    params = dict(model.named_parameters())
    assert all(params[n].dim() in (2, 3) for n in parameter_names)
    for group in groups:
        assert group["count"] == len(group["names"])

    for group in groups:
        names = group["names"]
        if group["lora"] == "module":
            options = {"r": RANK, "target_modules": names}
        else:
            options = {"r": RANK, "target_modules": [], "target_parameters": names, "lora_dropout": 0.0}
        peft_model, error = _peft(config_dict, class_name, options)
        label = f"{arch} {group['role']} {group['leaf']}"
        assert error is None, f"{label}: {error}"
        tuner = peft_model.base_model
        assert sorted(tuner.targeted_module_names + tuner.targeted_parameter_names) == sorted(names), label
        assert group["lora_parameters"] == peft_model.get_nb_trainable_parameters()[0], label

    defaults = report["peft_defaults"]
    if defaults["target_modules"] is not None:
        peft_model, error = _peft(config_dict, class_name, {"r": RANK})
        if error is not None:
            assert defaults["error"], f"{arch}: PEFT raised {error}"
        else:
            assert defaults["error"] is None
            assert defaults["targeted_modules"] == len(peft_model.base_model.targeted_module_names)
            assert defaults["lora_parameters"] == peft_model.get_nb_trainable_parameters()[0]


def test_inspect_names_roles_the_way_the_architectures_do(warm_cache: dict[str, str]) -> None:
    """Role groups on architectures whose names say little: fused, shared leaf names, BERT's `dense`."""

    def roles(arch: str) -> dict[tuple[str, str], list[str]]:
        report = _inspect(arch, warm_cache, "--format", "json").json()
        out: dict[tuple[str, str], list[str]] = {}
        for g in report["groups"]:
            out.setdefault((g["section"], g["role"]), []).extend(g["templates"])
        return out

    gpt2 = roles("gpt2")
    assert gpt2[("attention", "qkv")] == ["transformer.h.*.attn.c_attn"]
    assert gpt2[("attention", "o")] == ["transformer.h.*.attn.c_proj"]
    assert gpt2[("ffn", "up")] == ["transformer.h.*.mlp.c_fc"]
    assert gpt2[("ffn", "down")] == ["transformer.h.*.mlp.c_proj"]
    assert gpt2[("head", "output")] == ["lm_head"]
    bert = roles("bert")
    assert bert[("attention", "o")] == ["bert.encoder.layer.*.attention.output.dense"]
    assert bert[("ffn", "up")] == ["bert.encoder.layer.*.intermediate.dense"]
    assert bert[("ffn", "down")] == ["bert.encoder.layer.*.output.dense"]
    assert bert[("head", "task_head")] == ["classifier"]
    assert bert[("other", "other")] == ["bert.pooler.dense"]
    roberta = roles("roberta")
    assert roberta[("head", "task_head")] == ["classifier.dense", "classifier.out_proj"]
    mixtral = roles("mixtral")
    assert mixtral[("moe", "experts_gate_up")] == ["model.layers.*.mlp.experts.gate_up_proj"]
    assert mixtral[("moe", "experts_down")] == ["model.layers.*.mlp.experts.down_proj"]
    assert mixtral[("moe", "router")] == ["model.layers.*.mlp.gate.weight"]
    phi3 = roles("phi3")
    assert set(phi3) >= {("attention", "qkv"), ("attention", "o"), ("ffn", "gate_up"), ("ffn", "down")}
    t5 = roles("t5")
    assert len(t5[("attention", "q")]) == 3  # encoder self, decoder self and cross attention


def test_inspect_facts_from_config_and_from_shapes(warm_cache: dict[str, str]) -> None:
    llama = _inspect("llama", warm_cache, "--format", "json").json()
    assert llama["facts"] == {
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 16,
        "vocab_size": 128,
    }
    assert llama["derived_facts"] == []
    falcon = _inspect("falcon", warm_cache, "--format", "json").json()
    # Falcon's config keeps multi-query attention in `multi_query`: 1 KV head, from the fused shape
    assert falcon["facts"]["num_key_value_heads"] == 1
    gpt2 = _inspect("gpt2", warm_cache, "--format", "json").json()
    assert gpt2["facts"]["intermediate_size"] == 256  # n_inner unset: 4 x hidden, from c_fc
    assert set(gpt2["derived_facts"]) == {"intermediate_size", "num_key_value_heads"}


def test_inspect_text_and_task_type(warm_cache: dict[str, str]) -> None:
    text = _inspect("gpt2", warm_cache, "--r", "16").stdout
    assert "attention\n" in text and "feed-forward (FFN)\n" in text
    row = next(line for line in text.splitlines() if line.strip().startswith("down"))
    assert re.search(r"c_proj\s+2\s+256 -> 64\s+Conv1D\s+yes\s+10,240\s+mlp\.c_proj", row), row
    assert "PEFT's default target_modules for gpt2 (used when target_modules is omitted): c_attn (2 modules)" in text
    report = _inspect("llama", warm_cache, "--task-type", "SEQ_CLS", "--format", "json").json()
    assert report["model_class"] == "LlamaForSequenceClassification"
    assert [g["names"] for g in report["groups"] if g["role"] == "task_head"] == [["score"]]


def test_inspect_unknown_model_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = run_cli("inspect", str(tmp_path / "nowhere"), "--offline")
    assert result.code == 1
    assert "cannot use model" in result.stderr
    assert "Traceback" not in result.stderr


def _readme_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- inspect-output:start -->")[1].split("<!-- inspect-output:end -->")[0]
    return block.strip().removeprefix("```text").removesuffix("```").strip("\n")


def test_readme_inspect_example_is_the_real_output() -> None:
    """The README's `inspect` example, run cold (no cache: the model is built); the version may differ."""
    result = run_cli("inspect", "examples/models/tiny-llama", "--no-cache", env={"HF_HUB_OFFLINE": "1"})
    assert result.code == 0, result.stderr
    shown = _readme_block()
    version = re.compile(r"transformers [0-9][^)]*")
    assert version.sub("transformers X", result.stdout.rstrip("\n")) == version.sub("transformers X", shown)


def test_inspect_without_torch_uses_the_shipped_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the models extra, the shipped name-only description gives the same groups, costs unknown."""
    from linter.inspection import inspect_model
    from linter.models import meta
    from linter.models.provider import ModelProvider

    built = ModelProvider(offline=True).model_for(str(FIXTURE_MODELS / "gpt2"), None, None, ROOT)
    monkeypatch.setattr(meta, "models_available", lambda: False)
    shipped = ModelProvider(offline=True).model_for(str(FIXTURE_MODELS / "gpt2"), None, None, ROOT)
    assert not shipped.inventory.shapes
    full = inspect_model(built.inventory, 8, built.source.config)
    light = inspect_model(shipped.inventory, 8, shipped.source.config)
    assert [(r.role, r.leaf, r.keys, r.entry) for r in light.rows] == [
        (r.role, r.leaf, r.keys, r.entry) for r in full.rows
    ]
    assert all(r.cost is None for r in light.rows)
    assert light.facts["hidden_size"] == 64 and light.facts["num_hidden_layers"] == 2  # from config.json's n_embd
