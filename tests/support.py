"""Helpers for the tests: run the real CLI in a subprocess, write config files, build models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
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


def as_nobody() -> list[str]:
    """A command prefix that runs the command as `nobody` when the tests run as root, else nothing.

    Root reads and writes any file, so tests of permission bits need another user. setpriv, not
    Popen(user=): the interpreter may live under a home only its owner may enter, which setpriv's
    exec reaches and a plain setuid child does not.
    """
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def closed_endpoint() -> str:
    """An http://127.0.0.1 URL on a port nothing listens on: a request there is refused at once."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


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


#: Runs argv[2:] as a child and writes the child's own peak RSS (KiB) to the file argv[1]. Linux counts
#: the image a process had before `exec` in its peak, so a child forked straight from pytest (torch
#: loaded, 500 MB) would "peak" at pytest's size; forked from this small launcher, it starts small.
_LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_cli_measured(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> Measured:
    """`run_cli`, with the child's wall-clock time and its own peak memory (POSIX only).

    A run past `timeout` is killed with its launcher (one process group) and reported as
    `timed_out`: a hang is a test failure, never a stuck suite.
    """
    import signal
    import tempfile

    full_env = dict(os.environ)
    full_env.update(env or {})
    with tempfile.TemporaryDirectory() as scratch:
        rss_file = Path(scratch) / "rss"
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(rss_file), sys.executable, "-m", "linter", *args],
            cwd=cwd or ROOT,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        timed_out = False
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
        seconds = time.monotonic() - started
        rss_kb = float(rss_file.read_text()) if rss_file.exists() else 0.0
    if sys.platform == "darwin":
        rss_kb /= 1024  # bytes there
    return Measured(
        proc.returncode,
        stdout.decode("utf-8", errors="replace"),
        stderr.decode("utf-8", errors="replace"),
        seconds=seconds,
        max_rss_mb=rss_kb / 1024,
        timed_out=timed_out,
    )
