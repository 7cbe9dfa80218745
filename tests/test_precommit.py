"""The pre-commit hook, run for real: `pre-commit try-repo` in a temporary git repository.

pre-commit builds the hook's own virtualenv from this repository (light dependencies only, no
torch), so this also shows the torch-free path: schema and document checks run, and the output
says once how to enable model checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support import FIXTURE_MODELS, ROOT

HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, stdin=subprocess.DEVNULL)


def test_manifest_is_valid_and_serial() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {h["id"] for h in HOOKS} == {"lora-lint", "lora-lint-system"}
    for hook in HOOKS:
        assert hook["types_or"] == ["json", "yaml"]
        assert hook["require_serial"] is True


def _project(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "clean").mkdir()
    (repo / "clean" / "adapter_config.json").write_text(
        '{"peft_type": "LORA", "r": 8, "lora_alpha": 16, "target_modules": ["q_proj", "v_proj"]}\n'
    )
    (repo / "bad.yaml").write_text("r: 8\nlora_alpha: 16\ntarget_modules: q_proj,v_proj\n")
    # a typo only the model can reveal: checked from the shipped description of llama, without torch
    model = FIXTURE_MODELS / "llama"
    (repo / "typo.json").write_text(
        f'{{"peft_type": "LORA", "base_model_name_or_path": "{model}", "r": 8,\n'
        ' "target_modules": ["q_proj", "v_prj"]}\n'
    )
    (repo / "unrelated.yaml").write_text("name: ci\non: [push]\n")
    _git(repo, "add", ".")
    return repo


def _try_repo(repo: Path, hook: str, env: dict, *files: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--verbose", "--files", *files],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=900,
    )


def test_try_repo_passes_clean_and_fails_bad_config(tmp_path: Path) -> None:
    repo = _project(tmp_path)
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), HF_HUB_OFFLINE="1")

    clean = _try_repo(repo, "lora-lint", env, "clean/adapter_config.json", "unrelated.yaml")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout

    bad = _try_repo(repo, "lora-lint", env, "clean/adapter_config.json", "bad.yaml", "typo.json", "unrelated.yaml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "bad.yaml:3:17: LL304" in bad.stdout
    # the hook's environment has no torch: the name check comes from the shipped inventories
    assert "typo.json:2:31: LL301 [*] `v_prj` matches no module of LlamaForCausalLM" in bad.stdout
    assert "module names of llama come from lora-lint's shipped description" in bad.stdout
    assert "pip install 'lora-lint[models]'" in bad.stdout  # says once how to get full model checks
    assert "Traceback" not in bad.stdout


def test_the_system_hook_runs_the_installed_lora_lint(tmp_path: Path) -> None:
    repo = _project(tmp_path)
    env = dict(
        os.environ,
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        HF_HUB_OFFLINE="1",
        LORA_LINT_CACHE_DIR=str(tmp_path / "cache"),
    )
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    result = _try_repo(repo, "lora-lint-system", env, "typo.json", "clean/adapter_config.json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "typo.json:2:31: LL301" in result.stdout
    assert "shipped description" not in result.stdout  # this environment has torch: the real model is built
