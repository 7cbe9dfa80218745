"""No code from a linted repository, a model directory or the Hub is ever run.

Each planted Python file writes a marker file when imported. The tests run the real CLI (the
`lora-lint` console script, and `python -m linter`, which puts the working directory on
`sys.path`) and assert that no marker appears; each also shows, with a plain `python -c "import
..."` or with `--trust-remote-code`, that the same file *does* leave its marker when it is
imported, so a missing marker means "not imported", not "the trap was broken".
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT, Completed, write_json
from tests.test_resolve import (
    CLI_TIMEOUT,
    COMMIT_MAIN,
    LLAMA,
    HubStub,
    Route,
    assert_ran_on,
)

LORA_LINT = Path(sys.executable).parent / "lora-lint"


def trap(path: Path, marker: Path) -> Path:
    """A Python file that, when imported, writes `marker` (and defines nothing else)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "from pathlib import Path\n"
        f"marker = Path({str(marker)!r})\n"
        "marker.parent.mkdir(parents=True, exist_ok=True)\n"
        "marker.write_text('imported')\n"
    )
    return path


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Completed:
    import os

    proc = subprocess.run(
        argv,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    return Completed(proc.returncode, proc.stdout, proc.stderr)


def both_entry_points(cwd: Path, *args: str, env: dict[str, str] | None = None) -> list[Completed]:
    """The console script and `python -m linter`, with the same arguments, from `cwd`."""
    assert LORA_LINT.is_file(), "the lora-lint console script is not installed beside this python"
    return [
        run([str(LORA_LINT), *args], cwd, env),
        run([sys.executable, "-m", "linter", *args], cwd, env),
    ]


def test_modules_in_the_linted_repository_never_shadow_the_linters_own(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    markers = repo / "markers"
    names = ["yaml", "click", "jsonschema", "torch", "transformers", "peft", "huggingface_hub", "json"]
    for name in names:
        trap(repo / f"{name}.py", markers / name)
    shutil.copytree(LLAMA, repo / "models" / "tiny")
    write_json(
        repo / "adapter_config.json",
        {"base_model_name_or_path": "models/tiny", "r": 8, "target_modules": ["q_proj", "v_prj"]},
    )
    for result in both_entry_points(repo, "--format", "json", "--no-cache", "."):
        assert_ran_on(result)
        [entry] = result.json()["files"]
        assert entry["model"]["model_class"] == "LlamaForCausalLM"  # torch and transformers were used
        assert not markers.exists(), sorted(p.name for p in markers.iterdir())

    # the trap works: the same import from the same directory does run the planted file
    run([sys.executable, "-c", "import yaml"], repo)
    assert (markers / "yaml").read_text() == "imported"


def remote_code_model(directory: Path, markers: Path, model_type: str) -> Path:
    """A model directory whose config names its own code (auto_map), both files traps."""
    trap(directory / "configuration_evil.py", markers / f"{directory.name}-configuration")
    trap(directory / "modeling_evil.py", markers / f"{directory.name}-modeling")
    trap(directory / "__init__.py", markers / f"{directory.name}-init")
    config = json.loads((LLAMA / "config.json").read_text())
    config.update(
        model_type=model_type,
        auto_map={
            "AutoConfig": "configuration_evil.EvilConfig",
            "AutoModelForCausalLM": "modeling_evil.EvilForCausalLM",
        },
    )
    (directory / "config.json").write_text(json.dumps(config))
    return directory


def test_code_in_a_model_directory_is_never_imported(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    custom = remote_code_model(tmp_path / "models" / "custom", markers, "evil_custom")
    native = remote_code_model(tmp_path / "models" / "native", markers, "llama")  # a known type with auto_map
    for name, model in (("custom", custom), ("native", native)):
        write_json(
            tmp_path / name / "adapter_config.json",
            {"base_model_name_or_path": str(model), "r": 8, "target_modules": ["q_proj"]},
        )
    env = {"HF_MODULES_CACHE": str(tmp_path / "modules")}
    for result in both_entry_points(tmp_path, "--format", "json", "--no-cache", ".", env=env):
        assert_ran_on(result)
        report = {Path(f["path"]).parent.name: f for f in result.json()["files"]}
        assert report["custom"]["model"]["unavailable"] == "needs-remote-code"
        assert report["native"]["model"]["model_class"] == "LlamaForCausalLM"  # transformers' own class
        assert not markers.exists(), sorted(p.name for p in markers.iterdir())

    # the trap works: --trust-remote-code (the user's explicit opt-in) does import the model's code
    trusted = run([str(LORA_LINT), "--format", "json", "--no-cache", "--trust-remote-code", "custom"], tmp_path, env)
    assert trusted.code in (0, 1), trusted.stderr
    assert (markers / "custom-configuration").read_text() == "imported"


def test_trust_remote_code_in_pyproject_is_ignored(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    custom = remote_code_model(tmp_path / "models" / "custom", markers, "evil_custom")
    (tmp_path / "pyproject.toml").write_text("[tool.lora-lint]\ntrust-remote-code = true\n")
    write_json(tmp_path / "adapter_config.json", {"base_model_name_or_path": str(custom), "r": 8})
    env = {"HF_MODULES_CACHE": str(tmp_path / "modules")}
    result = run([str(LORA_LINT), "--format", "json", "--no-cache", "."], tmp_path, env)
    assert_ran_on(result)
    assert result.json()["files"][0]["model"]["unavailable"] == "needs-remote-code"
    assert not markers.exists()
    text = run([str(LORA_LINT), "--no-cache", "."], tmp_path, env)
    assert "pyproject.toml sets trust-remote-code, which lora-lint ignores" in text.stderr


def test_code_from_the_hub_is_never_fetched(tmp_path: Path, hub: HubStub, hf_constants: Path) -> None:
    markers = tmp_path / "markers"
    served = remote_code_model(tmp_path / "served", markers, "evil_hub")
    hub.config("org/evil", served / "config.json", commit=COMMIT_MAIN)
    for name in ("configuration_evil.py", "modeling_evil.py", "__init__.py"):
        hub.routes[f"/org/evil/resolve/main/{name}"] = Route(200, (served / name).read_bytes())
    write_json(tmp_path / "cfg" / "adapter_config.json", {"base_model_name_or_path": "org/evil", "r": 8})
    env = {"HF_MODULES_CACHE": str(tmp_path / "modules")}
    for args in ([], ["--trust-remote-code"]):  # even when trusted, only config.json is downloaded
        result = run([str(LORA_LINT), "--format", "json", "--no-cache", *args, "cfg"], tmp_path, env)
        assert_ran_on(result)
        assert result.json()["files"][0]["model"]["unavailable"] in ("needs-remote-code", "bad-config")
    assert {path for path, _ in hub.requests} == {"/org/evil/resolve/main/config.json"}
    assert not markers.exists()
    assert not list(hf_constants.rglob("*.py"))


def test_dotted_paths_in_configs_are_never_imported(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    markers = repo / "markers"
    trap(repo / "evilpkg" / "__init__.py", markers / "evilpkg")
    trap(repo / "evilpkg" / "models.py", markers / "evilpkg.models")
    (repo / "recipe.yaml").write_text(
        "model:\n"
        "  _component_: evilpkg.models.lora_llama3_8b\n"
        "  lora_attn_modules: [q_proj, v_proj]\n"
        "  lora_rank: 8\n"
        "tokenizer:\n"
        "  _component_: evilpkg.tokenizer\n"
        "optimizer:\n"
        "  _component_: os.system\n"
        "  command: touch markers/os-system\n"
        "checkpointer:\n"
        "  _component_: torchtune.training.FullModelHFCheckpointer\n"
        "  checkpoint_dir: models/tiny\n"
    )
    (repo / "axolotl.yaml").write_text(
        "base_model: models/tiny\n"
        "model_type: evilpkg.models.Model\n"
        "tokenizer_type: evilpkg.Tokenizer\n"
        "adapter: lora\n"
        "lora_r: 8\n"
        "lora_target_modules: [q_proj]\n"
    )
    shutil.copytree(LLAMA, repo / "models" / "tiny")
    for result in both_entry_points(repo, "--format", "json", "--no-cache", "."):
        assert_ran_on(result)
        assert len(result.json()["files"]) == 2
    assert not markers.exists(), sorted(p.name for p in markers.iterdir())

    run([sys.executable, "-c", "import evilpkg.models"], repo)  # the trap works
    assert (markers / "evilpkg.models").read_text() == "imported"


def test_the_repository_under_test_is_where_the_linter_comes_from() -> None:
    """Guard for the tests above: the `lora-lint` they run is this checkout's."""
    result = run([str(LORA_LINT), "--version"], ROOT)
    assert result.code == 0 and result.stdout.strip(), result.stderr
