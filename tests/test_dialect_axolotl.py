"""The axolotl dialect: fixture configs with their findings, and the LoraConfig checked against PEFT.

Each fixture is linted against a real model built on the meta device; the AdapterSpec the dialect
produces is turned into a real `peft.LoraConfig` and applied with `get_peft_model`, and PEFT must
target exactly what lora-lint says (or raise when lora-lint says it raises). axolotl is not
installed here, so `lora_target_linear` is checked against a line-for-line re-implementation of
axolotl's `find_all_linear_names` run on the real model.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import pytest
import torch
from peft import LoraConfig, get_peft_model

from linter.dialects import recognise
from linter.discover import Candidate
from linter.document import read_document
from linter.engine import Linter
from linter.models.meta import build_inventory, choose_auto_class
from linter.models.provider import ModelProvider
from tests.support import FIXTURE_MODELS, ROOT, build_transformers_model, load_model_config

FIXTURES = ROOT / "tests" / "fixtures" / "dialects" / "axolotl"
CORPUS = ROOT.parent / "shared" / "corpus" / "axolotl"

#: fixture -> (model fixture, expected findings as "CODE@line:col")
CASES = {
    "lora-llama.yml": ("llama", []),
    "typo-and-foreign-keys.yml": ("mistral", ["LL301@5:31", "LL102@6:1", "LL102@7:1"]),
    "target-linear-with-regex.yml": ("llama", ["LL603@6:22", "LL301@6:22"]),
    "no-targets.yml": ("llama", ["LL604@2:10"]),
    "qlora-without-4bit.yml": ("llama", ["LL605@3:10", "LL605@2:1"]),
    "no-adapter.yml": ("llama", ["LL602@3:1"]),
    "reward-model.yml": ("llama", []),
    "target-linear-gpt2.yml": ("gpt2", ["LL314@5:21"]),  # Conv1D is not "Linear" for axolotl
}
IGNORED = {"LL201", "LL402", "LL410", "LL503"}  # not what these fixtures are about


def _lint(name: str, model: str):
    provider = ModelProvider(override=str(FIXTURE_MODELS / model), offline=True)
    return Linter(provider).lint(Candidate(FIXTURES / name, True))


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_findings(name: str) -> None:
    model, expected = CASES[name]
    result = _lint(name, model)
    assert result.dialect == "axolotl"
    found = sorted(f"{d.code}@{d.span.line}:{d.span.column}" for d in result.diagnostics if d.code not in IGNORED)
    assert found == sorted(expected), [
        f"{d.code}@{d.span.line}:{d.span.column} {d.message}" for d in result.diagnostics
    ]


def test_foreign_key_hint_names_axolotls_key() -> None:
    result = _lint("typo-and-foreign-keys.yml", "mistral")
    hints = {d.message.split("`")[1]: d.hint for d in result.diagnostics if d.code == "LL102"}
    assert hints == {"use_dora": "write `peft_use_dora`", "lora_target_module": "did you mean `lora_target_modules`?"}


def axolotl_find_all_linear_names(model) -> set[str]:
    """axolotl/loaders/adapter.py `find_all_linear_names`, without bitsandbytes (not installed)."""
    names = set()
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear) or (
            "Linear" in module.__class__.__name__
            and module.__class__.__name__ not in ("LlamaLinearScalingRotaryEmbedding",)
        ):
            parts = name.split(".")
            names.add(parts[0] if len(parts) == 1 else parts[-1])
    output_embedding = "embed_out" if model.config.model_type == "gpt_neox" else "lm_head"
    names.discard(output_embedding)
    return names


@pytest.mark.parametrize("arch", ["llama", "gpt_neox", "gpt2", "phi3", "t5", "mixtral"])
def test_target_linear_matches_axolotl(arch: str) -> None:
    from linter.dialects.linear import linear_leaf_names

    config = load_model_config(arch)
    class_name = choose_auto_class(config, None)
    inventory = build_inventory(config, class_name)
    model = build_transformers_model(config, class_name)
    assert set(linear_leaf_names(inventory, "axolotl")) == axolotl_find_all_linear_names(model)


def _spec_options(name: str, model: str):
    doc = read_document(FIXTURES / name)
    spec = recognise(doc).spec
    config = load_model_config(model)
    class_name = choose_auto_class(config, spec.task_type)
    inventory = build_inventory(config, class_name)
    return spec.resolved(inventory).peft_options(), config, class_name


@pytest.mark.parametrize("name", sorted(n for n in CASES if n not in ("no-adapter.yml",)))
def test_spec_agrees_with_peft(name: str) -> None:
    model, _ = CASES[name]
    options, config, class_name = _spec_options(name, model)
    result = _lint(name, model)
    peft_options = {k: v for k, v in options.items() if k != "base_model_name_or_path"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peft_model = get_peft_model(
                build_transformers_model(config, class_name), LoraConfig(**copy.deepcopy(peft_options))
            )
    except Exception as exc:  # noqa: BLE001 - PEFT refusing the config
        assert result.peft_error is not None, f"PEFT raised {exc!r}, lora-lint did not expect it"
        return
    assert result.peft_error is None
    assert sorted(peft_model.base_model.targeted_module_names) == sorted(result.targeted_modules)


def test_reward_model_loads_a_sequence_classifier_and_saves_the_head() -> None:
    result = _lint("reward-model.yml", "llama")
    assert result.model["model_class"] == "LlamaForSequenceClassification"
    assert not [d for d in result.diagnostics if d.code in ("LL403", "LL405")]


def test_every_axolotl_corpus_file_is_recognised() -> None:
    files = sorted(CORPUS.glob("*.y*ml"))
    assert len(files) >= 19
    for path in files:
        recognition = recognise(read_document(path))
        assert recognition.dialect == "axolotl", path.name


def test_corpus_lints_without_a_fault() -> None:
    result = Linter(ModelProvider(offline=True)).run([Path(CORPUS)])
    assert {f.dialect for f in result.files} == {"axolotl"}
    assert len(result.files) >= 19
