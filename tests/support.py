"""Helpers for the tests: run the real CLI in a subprocess, write config files, build models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_MODELS = ROOT / "tests" / "fixtures" / "models"


@dataclass
class Completed:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300) -> Completed:
    """Run `python -m linter ARGS` as a real subprocess, with the test's environment."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "linter", *args],
        cwd=cwd or ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Completed(proc.returncode, proc.stdout, proc.stderr)


def write_json(path: Path, data: Any) -> Path:
    """Write `data` with one list entry per line, so each entry has its own line number."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def load_model_config(name: str) -> dict[str, Any]:
    return json.loads((FIXTURE_MODELS / name / "config.json").read_text())


def build_transformers_model(config_dict: dict[str, Any], class_name: str) -> Any:
    """The model PEFT sees: the same class lora-lint picks, built on the meta device."""
    import torch
    import transformers

    config = transformers.AutoConfig.for_model(**config_dict)
    cls = getattr(transformers, class_name)
    with torch.device("meta"):
        if class_name.startswith("Auto"):
            return cls.from_config(config)
        return cls._from_config(config)
