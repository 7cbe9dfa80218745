"""The Hub under faults, through the real CLI: one clear warning per file, and the run goes on.

The Hub is the recording server of `tests/test_resolve.py` on 127.0.0.1 (bounded in requests; slow
answers are released at teardown). One run lints a file per fault beside a file whose model
resolves, so the test shows both that every fault is one LL201 warning naming its cause and that
the good file still gets its model checks. `HF_TOKEN` is set throughout and must appear in no
output (text, JSON, SARIF) and in no file the run writes (the HF cache, lora-lint's caches).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import closed_endpoint, run_cli
from tests.test_resolve import (
    CLI_TIMEOUT,
    COMMIT_MAIN,
    LLAMA,
    TOKEN,
    HubStub,
    Route,
    adapter,
    assert_ran_on,
    by_path,
    codes_for,
)

REMOTE_CODE_CONFIG = {
    "model_type": "tiny_remote",
    "architectures": ["TinyRemoteForCausalLM"],
    "auto_map": {
        "AutoConfig": "configuration_tiny_remote.TinyRemoteConfig",
        "AutoModelForCausalLM": "modeling_tiny_remote.TinyRemoteForCausalLM",
    },
}

#: repo -> (route, reason in the JSON report, words of the LL201 message)
FAULTS = {
    "org/gated-401": (Route(401, b"", {"X-Error-Code": "GatedRepo"}), "gated", "gated on the Hub"),
    "org/gated-403": (Route(403, b"", {"X-Error-Code": "GatedRepo"}), "gated", "gated on the Hub"),
    "org/forbidden": (Route(403, b'{"error": "no"}'), "unauthorized", "org/forbidden"),
    "org/missing": (Route(404, b"", {"X-Error-Code": "RepoNotFound"}), "not-found", "org/missing"),
    "org/broken": (Route(500, b"internal error"), "hub-error", "org/broken"),
    "org/loop": (
        Route(302, b"", {"Location": "/org/loop/resolve/main/config.json"}),
        "redirect-loop",
        "org/loop",
    ),
    "org/truncated": (
        Route(200, b'{"model_type": "llama", "hidden_si', {"X-Repo-Commit": COMMIT_MAIN}, length=4096),
        "hub-error",
        "malformed answer",
    ),
    "org/not-json": (Route(200, b"<html>Sign in</html>", {"X-Repo-Commit": COMMIT_MAIN}), "bad-config", "not JSON"),
    "org/unknown-type": (
        Route(200, json.dumps({"model_type": "no_such_architecture"}).encode(), {"X-Repo-Commit": COMMIT_MAIN}),
        "unknown-model-type",
        "'no_such_architecture' is not known to transformers",
    ),
    "org/remote-code": (
        Route(200, json.dumps(REMOTE_CODE_CONFIG).encode(), {"X-Repo-Commit": COMMIT_MAIN}),
        "needs-remote-code",
        "--trust-remote-code",
    ),
    "org/slow": (Route(200, b"{}", {}, delay=6), "timeout", "timed out after 1s"),
}


def files_holding(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and secret.encode() in p.read_bytes()]


def test_every_hub_fault_is_one_warning_and_the_run_goes_on(tmp_path: Path, hub: HubStub, hf_constants: Path) -> None:
    hub.MAX_REQUESTS = 80  # three runs over eleven faults, the redirect loop at its bound each time
    hub.config("org/tiny-llama", LLAMA / "config.json", commit=COMMIT_MAIN)
    for repo, (route, _, _) in FAULTS.items():
        hub.routes[f"/{repo}/resolve/main/config.json"] = route
    files = {repo: adapter(tmp_path / repo.split("/")[1], repo) for repo in FAULTS}
    good = adapter(tmp_path / "good", "org/tiny-llama", target_modules=["q_proj", "v_prj"])
    env = {"HF_HUB_DOWNLOAD_TIMEOUT": "1"}

    result = run_cli(".", "--format", "json", cwd=tmp_path, env=env, timeout=CLI_TIMEOUT)
    assert_ran_on(result)
    report = result.json()
    for repo, (_, reason, words) in FAULTS.items():
        entry = by_path(report, files[repo], tmp_path)
        assert entry["model"]["unavailable"] == reason, (repo, entry["model"])
        [warning] = codes_for(report, entry, "LL201")
        assert warning["level"] == "warning" and words in warning["message"], (repo, warning["message"])
        assert len(codes_for(report, entry, "LL102")) == 1  # the schema checks still ran
    entry = by_path(report, good, tmp_path)
    assert entry["model"]["origin"] == "hub" and entry["targeted_modules"]
    assert [d["fix_suggestions"] for d in codes_for(report, entry, "LL301")] == [["v_proj"]]
    assert result.code == 1

    text = run_cli(".", "--format", "text", cwd=tmp_path, env=env, timeout=CLI_TIMEOUT)
    sarif = run_cli(".", "--format", "sarif", cwd=tmp_path, env=env, timeout=CLI_TIMEOUT)
    for run in (result, text, sarif):
        assert_ran_on(run)
        assert TOKEN not in run.stdout + run.stderr
    lines = text.stdout.splitlines()
    for repo, path in files.items():
        shown = str(path.relative_to(tmp_path))
        assert len([ln for ln in lines if ln.startswith(f"{shown}:") and " LL201 " in ln]) == 1, repo
    assert {h.get("authorization") for _, h in hub.requests} == {f"Bearer {TOKEN}"}
    asked = {path for path, _ in hub.requests}
    assert all(path.endswith("/config.json") for path in asked), asked  # never code, never weights

    home = hf_constants.parent  # HF_HOME: the HF cache and lora-lint's caches live under it
    assert (hf_constants / "models--org--tiny-llama").is_dir()  # the good answer was cached...
    assert not (hf_constants / "models--org--broken").exists()  # ...no failure was
    assert files_holding(home, TOKEN) == []
    assert files_holding(tmp_path, TOKEN) == []


def test_connection_refused_is_one_warning_per_file(
    tmp_path: Path, hub: HubStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", closed_endpoint())
    first = adapter(tmp_path / "a", "org/one")
    second = adapter(tmp_path / "b", "org/two")
    result = run_cli(".", "--format", "json", cwd=tmp_path, timeout=CLI_TIMEOUT)
    assert_ran_on(result)
    assert TOKEN not in result.stdout + result.stderr
    report = result.json()
    for path in (first, second):
        entry = by_path(report, path, tmp_path)
        assert entry["model"]["unavailable"] == "unreachable"
        [warning] = codes_for(report, entry, "LL201")
        assert "connection failed" in warning["message"]
