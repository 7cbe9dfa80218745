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


@dataclass
class Measured(Completed):
    """A finished CLI run with its cost: wall-clock seconds and the child's peak memory (MB)."""

    seconds: float = 0.0
    max_rss_mb: float = 0.0
    timed_out: bool = False


def run_cli_measured(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> Measured:
    """`run_cli`, reaping the child with `os.wait4` to read its own resource usage (POSIX only).

    A run past `timeout` is killed and reported as `timed_out` (a hang is a test failure, never a
    stuck suite). Output is read by threads, so a chatty child cannot block on a full pipe.
    """
    import threading
    import time

    full_env = dict(os.environ)
    full_env.update(env or {})
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "linter", *args],
        cwd=cwd or ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    outputs: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda name=name, pipe=pipe: outputs.__setitem__(name, pipe.read()))
        for name, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > timeout:
            timed_out = True
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(timeout=10)
    proc.stdout.close()
    proc.stderr.close()
    rss_kb = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024
    return Measured(
        proc.returncode,
        outputs.get("stdout", b"").decode("utf-8", errors="replace"),
        outputs.get("stderr", b"").decode("utf-8", errors="replace"),
        seconds=seconds,
        max_rss_mb=rss_kb / 1024,
        timed_out=timed_out,
    )
