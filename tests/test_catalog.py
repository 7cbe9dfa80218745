"""The built-in catalogue: the most-used base models resolve with no network and no token.

* Every entry builds on the meta device from the catalogue alone, and its parameter count is the
  published size (`PUBLISHED`, in billions as model cards and papers give them, to the digit they
  give). Where the count rests on a field the catalogue could not establish, the entry says so and
  the test shows that the published fact closes the gap exactly.
* The shipped file is what the generator makes from the reviewed reference beside the repository.
* With the network blocked, `HF_HUB_OFFLINE=1` and no token, configs naming catalogue models (also
  through legacy ids, Meta's renamed Llama 3.1 ids and -Instruct siblings) get the full checks.
* A local directory or a Hugging Face cache entry for the same id wins; `--no-catalog` turns the
  catalogue off; `lora-lint models` lists it, as text or JSON, without importing torch.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.models.catalog import catalog, lookup
from linter.models.generate_catalog import generate, parameter_count, render
from tests.support import FIXTURE_MODELS, ROOT, closed_endpoint, run_cli, write_json
from tests.test_resolve import COMMIT_MAIN, seed_cache

#: published sizes, billions of parameters (model cards, papers, the Hub's safetensors counts)
PUBLISHED = {
    "meta-llama/Llama-2-7b-hf": 6.738,
    "meta-llama/Llama-2-13b-hf": 13.016,
    "meta-llama/Llama-2-70b-hf": 68.977,
    "meta-llama/Meta-Llama-3-8B": 8.030,
    "meta-llama/Meta-Llama-3-70B": 70.554,
    "meta-llama/Llama-3.1-8B": 8.030,
    "meta-llama/Llama-3.1-70B": 70.554,
    "meta-llama/Llama-3.1-405B": 405.853,
    "meta-llama/Llama-3.2-1B": 1.236,
    "meta-llama/Llama-3.2-3B": 3.213,
    "meta-llama/Llama-3.3-70B-Instruct": 70.554,
    "mistralai/Mistral-7B-v0.1": 7.242,
    "mistralai/Mistral-7B-v0.3": 7.248,
    "mistralai/Mixtral-8x7B-v0.1": 46.703,
    "mistralai/Mixtral-8x22B-v0.1": 141,  # "141B"; the base's vocab_size is disputed
    "mistralai/Mistral-Nemo-Base-2407": 12.248,
    "Qwen/Qwen2-7B": 7.616,
    "Qwen/Qwen2.5-0.5B": 0.494,
    "Qwen/Qwen2.5-1.5B": 1.544,
    "Qwen/Qwen2.5-7B": 7.616,
    "Qwen/Qwen2.5-14B": 14.770,
    "Qwen/Qwen2.5-32B": 32.764,
    "Qwen/Qwen2.5-72B": 72.706,
    "Qwen/Qwen3-8B": 8.191,
    "Qwen/Qwen3-30B-A3B": 30.532,
    "google/gemma-2b": 2.506,
    "google/gemma-7b": 8.538,
    "google/gemma-2-2b": 2.614,
    "google/gemma-2-9b": 9.242,
    "google/gemma-2-27b": 27.227,
    "microsoft/phi-2": 2.780,
    "microsoft/Phi-3-mini-4k-instruct": 3.821,
    "microsoft/Phi-3.5-mini-instruct": 3.821,
    "microsoft/phi-4": 14.660,
    "tiiuae/falcon-7b": 6.922,
    "bigscience/bloom-560m": 0.559,
    "EleutherAI/pythia-1b": 1.012,
    "openai-community/gpt2": 0.124,
    "google/flan-t5-base": 0.248,
    "google-t5/t5-base": 0.223,
    "FacebookAI/roberta-base": 0.125,
    "google-bert/bert-base-uncased": 0.110,
    "deepseek-ai/DeepSeek-V3": 671.026,
    "HuggingFaceTB/SmolLM2-1.7B": 1.711,
    "allenai/OLMo-2-1124-7B": 7.299,
    "bigcode/starcoder2-7b": 7.174,
}

#: entries whose published size counts parameters the model transformers builds does not have:
#: flan-t5-base's checkpoint has an untied lm_head (32128 x 768), which transformers 5's T5 always
#: ties to the shared embedding (T5Config forces tie_word_embeddings=True), so PEFT sees 0.223B;
#: the catalogue marks the field unknown, and the output marks the numbers as estimates
GAPS = {"google/flan-t5-base": ("tie_word_embeddings", 32128 * 768)}


def _digits(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text else 0


def test_the_catalogue_covers_the_published_table() -> None:
    assert list(catalog()["models"]) == list(PUBLISHED)


@pytest.mark.parametrize("model_id", list(PUBLISHED))
def test_every_entry_builds_from_the_catalogue_and_has_its_published_size(model_id: str) -> None:
    facts = catalog()["models"][model_id]
    count = parameter_count(facts["config"])
    assert count == facts["parameters"]  # the shipped figure is what this transformers builds
    published = PUBLISHED[model_id]
    if model_id in GAPS:
        field, missing = GAPS[model_id]
        assert field in facts["unknown_fields"]
        assert round(count / 1e9, _digits(published)) != published
        count += missing
    assert round(count / 1e9, _digits(published)) == published, (model_id, count)


def shared_reference() -> Path:
    for candidate in (ROOT.parent / "shared" / "reference", Path("/work/shared/reference")):
        if (candidate / "model-catalog.json").is_file():
            return candidate / "model-catalog.json"
    raise AssertionError("../shared/reference/model-catalog.json is not beside the repository")


def test_the_shipped_catalogue_is_generated_from_the_reference() -> None:
    committed = (ROOT / "linter" / "data" / "model_catalog.json").read_text(encoding="utf-8")
    assert render(generate(shared_reference())) == committed, (
        "linter/data/model_catalog.json is stale: python -m linter.models.generate_catalog "
        "../shared/reference/model-catalog.json"
    )


def test_what_the_reference_disputes_or_lacks_is_left_out() -> None:
    reference = json.loads(shared_reference().read_text(encoding="utf-8"))
    for model_id, facts in catalog()["models"].items():
        unknown = set(reference[model_id]["not_found_fields"]) | set(reference[model_id].get("disputed", {}))
        assert set(facts["unknown_fields"]) == unknown
        assert not unknown & set(facts["config"]), model_id
        assert facts["sources"] == reference[model_id]["sources"]  # the provenance stays with the facts
    assert "vocab_size" not in catalog()["models"]["mistralai/Mixtral-8x22B-v0.1"]["config"]


@pytest.mark.parametrize(
    ("ref", "model_id", "how"),
    [
        ("meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B", "id"),
        ("META-LLAMA/llama-3.1-8b", "meta-llama/Llama-3.1-8B", "id"),
        ("meta-llama/Meta-Llama-3.1-8B", "meta-llama/Llama-3.1-8B", "id"),
        ("meta-llama/Meta-Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B", "sibling"),
        ("meta-llama/Llama-2-7b-chat-hf", "meta-llama/Llama-2-7b-hf", "sibling"),
        ("google/gemma-2-9b-it", "google/gemma-2-9b", "sibling"),
        ("mistralai/Mistral-7B-Instruct-v0.3", "mistralai/Mistral-7B-v0.3", "sibling"),
        ("Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B", "sibling"),
        ("gpt2", "openai-community/gpt2", "alias"),
        ("bert-base-uncased", "google-bert/bert-base-uncased", "alias"),
    ],
)
def test_ids_match_case_insensitively_and_through_aliases(ref: str, model_id: str, how: str) -> None:
    found = lookup(ref)
    assert found is not None and (found.id, found.matched_by) == (model_id, how)


@pytest.mark.parametrize(
    "ref",
    [
        "mistralai/Mixtral-8x22B-Instruct-v0.1",  # the catalogue says its vocab differs from the base's
        "meta-llama/Llama-3.1-8B-Base",
        "someone/Llama-3.1-8B",
        "meta-llama/Llama-3.1-8B-Instruct-GGUF",
    ],
)
def test_only_what_the_catalogue_vouches_for_matches(ref: str) -> None:
    assert lookup(ref) is None


def _blocked_network(tmp_path: Path) -> dict[str, str]:
    """Offline, no token, and a Hub endpoint where nothing listens (a request would fail loudly)."""
    return {"HF_HUB_OFFLINE": "1", "HF_ENDPOINT": closed_endpoint(), "HF_TOKEN": ""}


def test_catalogue_models_get_the_full_checks_offline(tmp_path: Path) -> None:
    llama = write_json(
        tmp_path / "llama" / "adapter_config.json",
        {"base_model_name_or_path": "meta-llama/Meta-Llama-3.1-8B-Instruct", "r": 8, "lora_alpha": 16,
         "target_modules": ["q_proj", "v_prj"], "task_type": "CAUSAL_LM"},
    )  # fmt: skip
    (tmp_path / "axolotl.yaml").write_text(
        "base_model: Qwen/Qwen2.5-7B\nadapter: lora\nlora_r: 16\nlora_alpha: 32\n"
        "lora_target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, dwn_proj]\n"
    )
    gpt2 = write_json(
        tmp_path / "small" / "adapter_config.json",
        {"base_model_name_or_path": "gpt2", "r": 4, "target_modules": ["c_attn"], "task_type": "CAUSAL_LM"},
    )
    env = _blocked_network(tmp_path)
    result = run_cli(".", "--format", "json", "--no-cache", cwd=tmp_path, env=env)
    assert result.code == 1, result.stderr
    report = result.json()
    files = {f["path"]: f for f in report["files"]}
    codes = {(d["path"], d["code"], tuple(d["fix_suggestions"])) for d in report["diagnostics"]}

    entry = files[str(llama.relative_to(tmp_path))]
    assert entry["model"]["origin"] == "catalog"
    assert entry["model"]["catalog"]["id"] == "meta-llama/Llama-3.1-8B"
    assert entry["model"]["catalog"]["matched_by"] == "sibling"
    assert entry["model"]["model_class"] == "LlamaForCausalLM"
    assert len(entry["targeted_modules"]) == 32  # q_proj of every layer; v_prj matched nothing
    assert entry["adapter_size"]["trainable"] == 32 * 8 * (4096 + 4096)
    assert entry["adapter_size"]["base_parameters"] == 8_030_261_248
    assert "estimate" not in entry["adapter_size"]
    assert (entry["path"], "LL301", ("v_proj",)) in codes

    entry = files["axolotl.yaml"]
    assert entry["model"]["catalog"]["id"] == "Qwen/Qwen2.5-7B" and len(entry["targeted_modules"]) == 28 * 6
    assert ("axolotl.yaml", "LL301", ("down_proj",)) in codes

    entry = files[str(gpt2.relative_to(tmp_path))]
    assert entry["model"]["catalog"]["matched_by"] == "alias"
    assert entry["adapter_size"]["estimate"] is True
    assert entry["adapter_size"]["unknown_fields"] == ["n_inner", "tie_word_embeddings"]
    assert not [d for d in report["diagnostics"] if d["code"] == "LL201"]

    text = run_cli(".", "--no-cache", cwd=tmp_path, env=env)
    assert "(estimate: n_inner, tie_word_embeddings not known offline)" in text.stdout

    off = run_cli(".", "--format", "json", "--no-cache", "--no-catalog", cwd=tmp_path, env=env)
    report = off.json()
    assert {d["path"] for d in report["diagnostics"] if d["code"] == "LL201"} == set(files)
    assert all(f["model"]["unavailable"] == "offline" for f in report["files"])


def test_a_local_directory_or_the_hf_cache_wins_over_the_catalogue(tmp_path: Path, hf_constants: Path) -> None:
    tiny = FIXTURE_MODELS / "llama" / "config.json"
    local = tmp_path / "meta-llama" / "Llama-3.1-8B"
    local.mkdir(parents=True)
    (local / "config.json").write_bytes(tiny.read_bytes())
    write_json(tmp_path / "a" / "adapter_config.json", {"base_model_name_or_path": "meta-llama/Llama-3.1-8B", "r": 8})
    seed_cache(hf_constants, "Qwen/Qwen2.5-7B", tiny, COMMIT_MAIN)
    write_json(tmp_path / "b" / "adapter_config.json", {"base_model_name_or_path": "Qwen/Qwen2.5-7B", "r": 8})
    result = run_cli(".", "--format", "json", "--no-cache", cwd=tmp_path)
    files = {Path(f["path"]).parent.name: f for f in result.json()["files"]}
    assert files["a"]["model"]["origin"] == "local" and "catalog" not in files["a"]["model"]
    assert files["b"]["model"]["origin"] == "cache" and "catalog" not in files["b"]["model"]
    assert files["a"]["adapter_size"]["base_parameters"] < 10**7  # the tiny local model, not 8B


def test_models_lists_the_catalogue_without_torch(tmp_path: Path) -> None:
    text = run_cli("models")
    assert text.code == 0
    assert "meta-llama/Llama-3.1-8B" in text.stdout and "8.030B" in text.stdout
    assert "46 models" in text.stdout
    listed = run_cli("models", "--format", "json").json()
    assert len(listed["models"]) == 46
    row = next(m for m in listed["models"] if m["id"] == "deepseek-ai/DeepSeek-V3")
    assert (row["model_type"], row["layers"], row["parameters"]) == ("deepseek_v3", 61, 671_026_404_352)
    probe = (
        "import sys\nfrom linter.cli import cli\n"
        "cli.main(['models', '--format', 'json'], standalone_mode=False)\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules, file=sys.stderr)\n"
    )
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert proc.stderr.strip().splitlines()[-1] == "False False", proc.stderr


def test_verbose_text_output_says_where_each_model_came_from(tmp_path: Path) -> None:
    write_json(tmp_path / "a" / "adapter_config.json", {"base_model_name_or_path": "gpt2", "r": 4})
    write_json(
        tmp_path / "b" / "adapter_config.json",
        {"base_model_name_or_path": "meta-llama/Meta-Llama-3.1-8B-Instruct", "r": 4, "target_modules": ["q_proj"]},
    )
    result = run_cli("-v", "--no-cache", ".", cwd=tmp_path, env=_blocked_network(tmp_path))
    assert result.code == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[lines.index("Models:") + 1 :][:2] == [
        "  a/adapter_config.json  gpt2 -> GPT2LMHeadModel, from the built-in catalogue (as alias of "
        "openai-community/gpt2; not known offline: n_inner, tie_word_embeddings)",
        "  b/adapter_config.json  meta-llama/Meta-Llama-3.1-8B-Instruct -> LlamaForCausalLM, from the built-in "
        "catalogue (as sibling of meta-llama/Llama-3.1-8B)",
    ]
    assert "Models:" not in run_cli("--no-cache", ".", cwd=tmp_path, env=_blocked_network(tmp_path)).stdout


def test_inspect_says_when_its_sizes_are_estimates(tmp_path: Path) -> None:
    env = _blocked_network(tmp_path)
    gpt2 = run_cli("inspect", "gpt2", "--no-cache", cwd=tmp_path, env=env)
    assert gpt2.code == 0, gpt2.stderr
    assert (
        "note: gpt2 comes from the built-in catalogue (openai-community/gpt2); n_inner, tie_word_embeddings "
        "not known offline: transformers' defaults apply, so sizes are estimates"
    ) in gpt2.stderr
    llama = run_cli("inspect", "meta-llama/Llama-3.1-8B", "--no-cache", "--format", "json", cwd=tmp_path, env=env)
    model = llama.json()["model"]
    assert model["origin"] == "catalog" and model["catalog"]["unknown_fields"] == []


def test_suggest_marks_its_count_an_estimate_when_the_catalogue_lacks_a_field(tmp_path: Path) -> None:
    env = _blocked_network(tmp_path)
    gpt2 = run_cli("suggest", "gpt2", "--preset", "attention", "--no-cache", cwd=tmp_path, env=env)
    assert gpt2.code == 0, gpt2.stderr
    assert "an estimate: n_inner, tie_word_embeddings not known offline" in gpt2.stdout
    qwen = run_cli("suggest", "Qwen/Qwen2.5-7B", "--preset", "attention", "--no-cache", cwd=tmp_path, env=env)
    assert qwen.code == 0, qwen.stderr
    assert "trainable parameters:" in qwen.stdout and "estimate" not in qwen.stdout
