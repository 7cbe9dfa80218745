"""LoraConfig keyword arguments inside a project's own YAML or JSON (the corpus's project-lora-kwargs).

A `peft_config:` / `lora_config:` / `lora:` section, at any depth, is read as a PEFT config with
positions inside the user's file, and the model comes from the nearest model key around it.
"""

from __future__ import annotations

from linter.dialects import recognise
from linter.discover import Candidate
from linter.document import read_document
from linter.engine import Linter
from linter.models.provider import ModelProvider
from tests.support import FIXTURE_MODELS, ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "dialects" / "project"
CORPUS = ROOT.parent / "shared" / "corpus" / "project-lora-kwargs"


def _lint(name: str, model: str):
    provider = ModelProvider(override=str(FIXTURE_MODELS / model), offline=True)
    return Linter(provider).lint(Candidate(FIXTURES / name, True))


def _found(result) -> list[str]:
    return sorted(f"{d.code}@{d.span.line}:{d.span.column}" for d in result.diagnostics)


def test_nested_section_takes_the_nearest_model_key() -> None:
    spec = recognise(read_document(FIXTURES / "ray-style.yaml")).spec
    assert spec.dialect == "peft" and spec.root == ("General", "lora_config")
    assert spec.model_ref == "org/some-llama"
    assert spec.pointer("base_model_name_or_path") == ("General", "base_model")
    result = _lint("ray-style.yaml", "llama")
    assert _found(result) == ["LL301@12:7"]
    assert "model.layers.0.self_attn.q_proj" in result.targeted_modules
    assert "lm_head" in result.targeted_modules


def test_top_level_section_without_a_model_key() -> None:
    spec = recognise(read_document(FIXTURES / "glm-style.yaml")).spec
    assert spec.root == ("peft_config",) and spec.model_ref is None
    result = _lint("glm-style.yaml", "gpt_neox")
    assert _found(result) == ["LL102@13:3"]  # lora_alhpa inside the section; the project keys are fine
    assert all(name.endswith("query_key_value") for name in result.targeted_modules)


def test_flat_project_config_reports_only_lora_problems() -> None:
    result = _lint("flat-project.json", "llama")
    assert _found(result) == ["LL306@6:27", "LL402@1:1", "LL503@8:17"]  # alpha 32 at r=1: scale 32


def test_corpus_project_configs_are_read_as_peft() -> None:
    files = sorted(p for p in CORPUS.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    assert len(files) == 6
    for path in files:
        assert recognise(read_document(path)).dialect == "peft", path.name
