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

from tests.support import ROOT

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
    (hook,) = [h for h in HOOKS if h["id"] == "lora-lint"]
    assert hook["types_or"] == ["json", "yaml"]
    assert hook["require_serial"] is True


def test_try_repo_passes_clean_and_fails_bad_config(tmp_path: Path) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "clean").mkdir()
    (repo / "clean" / "adapter_config.json").write_text(
        '{"peft_type": "LORA", "r": 8, "lora_alpha": 16, "target_modules": ["q_proj", "v_proj"]}\n'
    )
    (repo / "bad.yaml").write_text("r: 8\nlora_alpha: 16\ntarget_modules: q_proj,v_proj\n")
    (repo / "unrelated.yaml").write_text("name: ci\non: [push]\n")
    _git(repo, "add", ".")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), HF_HUB_OFFLINE="1")

    def try_repo(*files: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "pre_commit",
                "try-repo",
                str(ROOT),
                "lora-lint",
                "--verbose",
                "--files",
                *files,
            ],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=900,
        )

    clean = try_repo("clean/adapter_config.json", "unrelated.yaml")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout

    bad = try_repo("clean/adapter_config.json", "bad.yaml", "unrelated.yaml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "bad.yaml:3:17: LL304" in bad.stdout
    assert "pip install 'lora-lint[models]'" in bad.stdout  # the torch-free hook says how to get model checks
    assert "Traceback" not in bad.stdout
