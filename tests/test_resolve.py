"""Model resolution: local directories, `--model`, `[tool.lora-lint.models]`, the HF cache and the Hub.

Cheap cases call `linter.models.resolve` directly; the end-to-end cases run the real CLI in a
subprocess. The Hub is a small threaded HTTP server on 127.0.0.1 that records every request, so the
tests can say exactly what was asked for (path, revision, token) and that offline runs ask nothing.
Whenever a model cannot be used, the run must go on: schema checks still report (`lora_alhpa` gives
LL102), exactly one LL201 per file, and the exit code is 0 or 1, never 2.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from linter.models.resolve import cached_config, fetch_hub_config, resolve_model
from linter.settings import load_settings
from tests.support import FIXTURE_MODELS, Completed, closed_endpoint, run_cli, write_json

TOKEN = "hf_LoraLintTestSecret0123456789abcdefXYZ"
COMMIT_MAIN = "0123456789abcdef0123456789abcdef01234567"
COMMIT_V1 = "89abcdef0123456789abcdef0123456789abcdef"
COMMIT_V2 = "fedcba9876543210fedcba9876543210fedcba98"
CLI_TIMEOUT = 120

LLAMA = FIXTURE_MODELS / "llama"
GPT2 = FIXTURE_MODELS / "gpt2"


# --------------------------------------------------------------------------------------------------
# helpers


def adapter(directory: Path, ref: Any, *, typo: bool = True, **extra: Any) -> Path:
    """Write `directory/adapter_config.json` for `ref`; `typo` adds the unknown key `lora_alhpa`."""
    data: dict[str, Any] = {
        "base_model_name_or_path": ref,
        "peft_type": "LORA",
        "r": 8,
        "lora_alpha": 16,
        "target_modules": ["q_proj", "v_proj"],
        "task_type": "CAUSAL_LM",
    }
    if typo:
        data["lora_alhpa"] = 32
    data.update(extra)
    return write_json(directory / "adapter_config.json", data)


def copy_model(src: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "config.json", dest / "config.json")
    return dest


def seed_cache(cache: Path, repo_id: str, config_file: Path, commit: str, refs: tuple[str, ...] = ("main",)) -> Path:
    """Lay out `config.json` of `repo_id` the way huggingface_hub does: a blob, a snapshot symlink, refs."""
    repo_dir = cache / ("models--" + repo_id.replace("/", "--"))
    body = config_file.read_bytes()
    blob = repo_dir / "blobs" / hashlib.sha256(body).hexdigest()
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(body)
    snapshot = repo_dir / "snapshots" / commit / "config.json"
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    snapshot.symlink_to(os.path.relpath(blob, snapshot.parent))
    for ref in refs:
        ref_file = repo_dir / "refs" / ref
        ref_file.parent.mkdir(parents=True, exist_ok=True)
        ref_file.write_text(commit)  # huggingface_hub writes the bare commit, no newline
    return snapshot


def by_path(report: dict[str, Any], path: Path | str, cwd: Path | None = None) -> dict[str, Any]:
    """The `files` entry whose path is `path` (shown relative to `cwd` when under it)."""
    want = {str(path)}
    if cwd is not None:
        try:
            want.add(str(Path(path).resolve().relative_to(cwd.resolve())))
        except ValueError:
            pass
    found = [f for f in report["files"] if f["path"] in want]
    assert len(found) == 1, (want, [f["path"] for f in report["files"]])
    return found[0]


def codes_for(report: dict[str, Any], file_entry: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [d for d in report["diagnostics"] if d["path"] == file_entry["path"] and d["code"] == code]


def assert_ran_on(result: Completed) -> None:
    """The run went on: exit 0 or 1 (never a usage or internal error), and no traceback."""
    assert result.code in (0, 1), (result.code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr


def assert_unavailable(report: dict[str, Any], entry: dict[str, Any], reason: str) -> None:
    """The file's model is unavailable for `reason`, with exactly one LL201, and schema checks ran."""
    model = entry["model"]
    assert model["unavailable"] == reason, model
    assert model["message"], model
    ll201 = codes_for(report, entry, "LL201")
    assert len(ll201) == 1, ll201
    assert ll201[0]["level"] == "warning"
    assert model["message"] in ll201[0]["message"]
    assert [d["fix_suggestions"] for d in codes_for(report, entry, "LL102")] == [["lora_alpha"]]
    assert entry["targeted_modules"] is None  # model checks were skipped


def assert_available(report: dict[str, Any], entry: dict[str, Any], origin: str, model_class: str) -> None:
    model = entry["model"]
    assert "unavailable" not in model, model
    assert model["origin"] == origin, model
    assert model["model_class"] == model_class, model
    assert codes_for(report, entry, "LL201") == []
    assert len(codes_for(report, entry, "LL102")) == 1
    assert entry["targeted_modules"], entry  # model checks ran: q_proj/v_proj were matched


# --------------------------------------------------------------------------------------------------
# the Hugging Face cache of the test (conftest isolates it, environment and import-time constants)


@pytest.fixture
def hf_constants(isolated_hub: Path) -> Path:
    return isolated_hub / "hub"


# --------------------------------------------------------------------------------------------------
# a fake Hub


class Route:
    """One canned answer; `length` overrides Content-Length (a body cut short when it is larger)."""

    def __init__(
        self,
        status: int = 200,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        delay: float = 0,
        length: int | None = None,
    ):
        self.status, self.body, self.headers, self.delay, self.length = status, body, headers or {}, delay, length


class HubStub:
    """Routes by exact request path; records every request; refuses past MAX_REQUESTS."""

    MAX_REQUESTS = 40

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.release = threading.Event()  # set at teardown: slow handlers stop waiting
        self.endpoint = ""

    def config(self, repo: str, config_file: Path, *, rev: str = "main", commit: str | None = None) -> str:
        headers = {"Content-Type": "application/json"}
        if commit:
            headers["X-Repo-Commit"] = commit
        path = f"/{repo}/resolve/{rev}/config.json"
        self.routes[path] = Route(200, config_file.read_bytes(), headers)
        return path

    def error(self, repo: str, status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> str:
        path = f"/{repo}/resolve/main/config.json"
        self.routes[path] = Route(status, body or b'{"error": "nope"}', headers)
        return path

    @property
    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _ in self.requests]


class _Handler(BaseHTTPRequestHandler):
    timeout = 10  # a stuck client cannot hold a handler thread for long
    server: Any

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        stub: HubStub = self.server.stub
        with stub.lock:
            stub.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            count = len(stub.requests)
        route = stub.routes.get(self.path) or Route(
            404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"}
        )
        if count > stub.MAX_REQUESTS:
            route = Route(503, b"too many requests in one test")
        if route.delay:
            stub.release.wait(route.delay)
        try:
            self.send_response(route.status)
            for key, value in route.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(route.body) if route.length is None else route.length))
            self.end_headers()
            self.wfile.write(route.body)
        except OSError:  # the client gave up (timeout test)
            pass


@pytest.fixture
def hub_factory() -> Iterator[Callable[[], HubStub]]:
    started: list[tuple[ThreadingHTTPServer, threading.Thread, HubStub]] = []

    def start() -> HubStub:
        stub = HubStub()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.stub = stub
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        stub.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        started.append((server, thread, stub))
        return stub

    yield start
    for server, thread, stub in started:
        stub.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        assert len(stub.requests) <= stub.MAX_REQUESTS, "more Hub requests than any test should make"


@pytest.fixture
def hub(hub_factory: Callable[[], HubStub], monkeypatch: pytest.MonkeyPatch) -> HubStub:
    """A fake Hub at HF_ENDPOINT, online (HF_HUB_OFFLINE removed), with HF_TOKEN set."""
    stub = hub_factory()
    monkeypatch.setenv("HF_ENDPOINT", stub.endpoint)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    return stub


# --------------------------------------------------------------------------------------------------
# 1. local directories


def test_local_dir_relative_to_cwd(tmp_path: Path) -> None:
    copy_model(LLAMA, tmp_path / "work" / "models" / "tiny")
    source = resolve_model("models/tiny", cwd=tmp_path / "work", config_dir=tmp_path / "configs")
    assert source.ok and source.origin == "local"
    assert source.config == json.loads((LLAMA / "config.json").read_text())
    assert source.config_path == tmp_path / "work" / "models" / "tiny" / "config.json"
    assert source.model_dir == tmp_path / "work" / "models" / "tiny"


def test_local_dir_relative_to_config_file_dir(tmp_path: Path) -> None:
    copy_model(GPT2, tmp_path / "proj" / "models" / "tiny")
    (tmp_path / "proj" / "sub").mkdir()  # the config file's directory exists
    (tmp_path / "elsewhere").mkdir()
    source = resolve_model("../models/tiny", cwd=tmp_path / "elsewhere", config_dir=tmp_path / "proj" / "sub")
    assert source.ok and source.origin == "local"
    assert source.config["model_type"] == "gpt2"
    assert source.config_path.resolve() == (tmp_path / "proj" / "models" / "tiny" / "config.json").resolve()


def test_local_cwd_is_tried_before_config_dir(tmp_path: Path) -> None:
    copy_model(LLAMA, tmp_path / "cwd" / "m")
    copy_model(GPT2, tmp_path / "cfg" / "m")
    source = resolve_model("./m", cwd=tmp_path / "cwd", config_dir=tmp_path / "cfg")
    assert source.ok and source.config["model_type"] == "llama"


def test_local_path_to_config_json_file(tmp_path: Path) -> None:
    copy_model(LLAMA, tmp_path / "m")
    source = resolve_model(str(tmp_path / "m" / "config.json"), cwd=tmp_path)
    assert source.ok and source.origin == "local" and source.config["model_type"] == "llama"


def test_local_dir_without_config_json(tmp_path: Path) -> None:
    (tmp_path / "models" / "empty").mkdir(parents=True)
    source = resolve_model("models/empty", cwd=tmp_path)
    assert not source.ok
    assert source.reason == "no-config"
    assert "config.json" in source.message and "empty" in source.message


def test_local_config_json_not_json(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{ not json", encoding="utf-8")
    source = resolve_model("./broken", cwd=tmp_path)
    assert not source.ok and source.reason == "bad-config"
    assert "not valid JSON" in source.message


@pytest.mark.parametrize("ref", ["/definitely/not/here/tiny-model", "./not-here", "../not/here/either"])
def test_missing_path_is_not_found_without_network(tmp_path: Path, hub: HubStub, ref: str) -> None:
    source = resolve_model(ref, cwd=tmp_path, config_dir=tmp_path, timeout=2)
    assert not source.ok
    assert source.reason == "not-found"
    assert hub.requests == []


@pytest.mark.parametrize("ref", [None, ""])
def test_no_model_named(tmp_path: Path, ref: Any) -> None:
    source = resolve_model(ref, cwd=tmp_path)
    assert not source.ok and source.reason == "no-model"
    assert "--model" in source.message


def test_cli_local_directories(tmp_path: Path, hub: HubStub) -> None:
    """cwd-relative, config-dir-relative, no config.json and a missing absolute path, in one online run."""
    work, proj = tmp_path / "work", tmp_path / "proj"
    copy_model(LLAMA, work / "models" / "tiny-llama")
    copy_model(GPT2, proj / "models" / "tiny-gpt2")
    (work / "models" / "empty").mkdir(parents=True)
    cwd_rel = adapter(work / "configs" / "cwd_rel", "models/tiny-llama")
    cfg_rel = adapter(proj / "sub", "../models/tiny-gpt2", target_modules=["c_attn"])
    no_config = adapter(work / "configs" / "no_config", "models/empty")
    missing = adapter(work / "configs" / "missing", str(tmp_path / "nowhere" / "tiny-model"))

    result = run_cli(str(work / "configs"), str(cfg_rel), "--format", "json", cwd=work, timeout=CLI_TIMEOUT)
    assert_ran_on(result)
    report = result.json()
    assert len(report["files"]) == 4

    entry = by_path(report, cwd_rel, work)
    assert_available(report, entry, "local", "LlamaForCausalLM")
    assert Path(entry["model"]["config_path"]).resolve() == (work / "models" / "tiny-llama" / "config.json").resolve()

    entry = by_path(report, cfg_rel, work)
    assert_available(report, entry, "local", "GPT2LMHeadModel")
    assert Path(entry["model"]["config_path"]).resolve() == (proj / "models" / "tiny-gpt2" / "config.json").resolve()

    entry = by_path(report, no_config, work)
    assert_unavailable(report, entry, "no-config")
    entry = by_path(report, missing, work)
    assert_unavailable(report, entry, "not-found")

    assert hub.requests == [], "local references must never reach the Hub"


# --------------------------------------------------------------------------------------------------
# 2. --model and [tool.lora-lint.models]


def test_override_replaces_every_reference(tmp_path: Path) -> None:
    model = copy_model(LLAMA, tmp_path / "override")
    for ref, revision in [("org/other", "v1"), ("/no/such/dir", None), (None, None)]:
        source = resolve_model(ref, revision, cwd=tmp_path, override=str(model))
        assert source.ok and source.origin == "override", ref
        assert source.revision is None  # the adapter's revision belongs to the model it names
        assert source.config["model_type"] == "llama"


def test_cli_override_applies_to_every_file(tmp_path: Path) -> None:
    model = copy_model(LLAMA, tmp_path / "override-model")
    first = adapter(tmp_path / "a", "org/never-fetched")
    second = adapter(tmp_path / "b", str(tmp_path / "does-not-exist"))
    third = adapter(tmp_path / "c", str(GPT2))

    result = run_cli(".", "--format", "json", "--model", str(model), cwd=tmp_path, timeout=CLI_TIMEOUT)
    assert_ran_on(result)
    report = result.json()
    assert len(report["files"]) == 3
    for path in (first, second, third):
        entry = by_path(report, path, tmp_path)
        assert_available(report, entry, "override", "LlamaForCausalLM")
        assert entry["model"]["ref"] == str(model)


def test_pyproject_alias_is_relative_to_the_pyproject(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    copy_model(LLAMA, repo / "vendor" / "tiny-llama")
    (repo / "pyproject.toml").write_text(
        '[tool.lora-lint.models]\n"org/tiny-llama" = "vendor/tiny-llama"\n', encoding="utf-8"
    )
    deeper = repo / "configs" / "deeper"
    deeper.mkdir(parents=True)
    settings = load_settings(deeper)  # found by walking up from the working directory
    assert settings.path == repo / "pyproject.toml" or settings.path.resolve() == (repo / "pyproject.toml").resolve()
    source = resolve_model("org/tiny-llama", cwd=deeper, config_dir=deeper, aliases=settings.models)
    assert source.ok and source.origin == "pyproject"
    assert source.config_path.resolve() == (repo / "vendor" / "tiny-llama" / "config.json").resolve()


def test_cli_pyproject_maps_hub_id_to_local_dir(tmp_path: Path) -> None:
    copy_model(LLAMA, tmp_path / "vendor" / "tiny-llama")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.lora-lint.models]\n"org/tiny-llama" = "vendor/tiny-llama"\n',
        encoding="utf-8",
    )
    mapped = adapter(tmp_path / "configs" / "mapped", "org/tiny-llama")
    unmapped = adapter(tmp_path / "configs" / "unmapped", "org/not-mapped")

    result = run_cli("configs", "--format", "json", cwd=tmp_path, timeout=CLI_TIMEOUT)  # HF_HUB_OFFLINE=1
    assert_ran_on(result)
    report = result.json()
    entry = by_path(report, mapped, tmp_path)
    assert_available(report, entry, "pyproject", "LlamaForCausalLM")
    assert Path(entry["model"]["config_path"]).resolve() == (tmp_path / "vendor/tiny-llama/config.json").resolve()
    assert_unavailable(report, by_path(report, unmapped, tmp_path), "offline")


@pytest.mark.parametrize(
    ("key", "closest"),
    [
        ("ofline = true", "offline"),
        ("model = {}", "models"),
        ("trust_remote_code = true", "trust-remote-code"),
    ],
)
def test_cli_unknown_setting_is_usage_error(tmp_path: Path, key: str, closest: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.lora-lint]\n{key}\n", encoding="utf-8")
    adapter(tmp_path / "cfg", "org/x")
    result = run_cli("cfg", "--format", "json", cwd=tmp_path, timeout=CLI_TIMEOUT)
    assert result.code == 2, (result.stdout, result.stderr)
    bad = key.split(" ")[0]
    assert f"unknown setting `{bad}`" in result.stderr
    assert f"did you mean `{closest}`?" in result.stderr
    assert result.stdout == ""


# --------------------------------------------------------------------------------------------------
# 3. the Hugging Face cache


def test_cache_layout_resolves_offline(hf_constants: Path, tmp_path: Path) -> None:
    snapshot = seed_cache(hf_constants, "org/cached", LLAMA / "config.json", COMMIT_MAIN)
    seed_cache(hf_constants, "org/cached", GPT2 / "config.json", COMMIT_V1, refs=("v1",))

    # huggingface_hub itself accepts the layout
    from huggingface_hub import scan_cache_dir

    info = scan_cache_dir(hf_constants)
    assert info.warnings == []
    [repo] = info.repos
    assert repo.repo_id == "org/cached"
    assert {r.commit_hash for r in repo.revisions} == {COMMIT_MAIN, COMMIT_V1}

    source = resolve_model("org/cached", cwd=tmp_path)
    assert source.ok and source.origin == "cache"
    assert source.config_path == snapshot
    assert source.config["model_type"] == "llama"

    source = resolve_model("org/cached", "v1", cwd=tmp_path)
    assert source.ok and source.origin == "cache" and source.revision == "v1"
    assert source.config["model_type"] == "gpt2"
    assert COMMIT_V1 in str(source.config_path)

    source = resolve_model("org/cached", COMMIT_V1, cwd=tmp_path)  # a commit works without a ref
    assert source.ok and source.config["model_type"] == "gpt2"

    source = resolve_model("org/cached", "v9", cwd=tmp_path)
    assert not source.ok and source.reason == "offline"
    assert "HF_HUB_OFFLINE" in source.message
    assert resolve_model("org/other", cwd=tmp_path).reason == "offline"


def test_cache_is_used_before_the_hub(hf_constants: Path, tmp_path: Path, hub: HubStub) -> None:
    seed_cache(hf_constants, "org/cached", LLAMA / "config.json", COMMIT_MAIN)
    source = resolve_model("org/cached", cwd=tmp_path, timeout=2)
    assert source.ok and source.origin == "cache"
    assert hub.requests == []


def test_cli_resolves_from_cache(hf_constants: Path, tmp_path: Path) -> None:
    seed_cache(hf_constants, "org/cached", LLAMA / "config.json", COMMIT_MAIN)
    seed_cache(hf_constants, "org/cached", GPT2 / "config.json", COMMIT_V1, refs=("v1",))
    main = adapter(tmp_path / "main", "org/cached")
    v1 = adapter(tmp_path / "v1", "org/cached", revision="v1", target_modules=["c_attn"])

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    result = run_cli(".", "--format", "json", cwd=tmp_path, timeout=CLI_TIMEOUT)
    assert_ran_on(result)
    report = result.json()

    entry = by_path(report, main, tmp_path)
    assert_available(report, entry, "cache", "LlamaForCausalLM")
    assert entry["model"]["ref"] == "org/cached" and entry["model"]["revision"] is None
    assert COMMIT_MAIN in entry["model"]["config_path"]

    entry = by_path(report, v1, tmp_path)
    assert_available(report, entry, "cache", "GPT2LMHeadModel")
    assert entry["model"]["revision"] == "v1"
    assert COMMIT_V1 in entry["model"]["config_path"]


# --------------------------------------------------------------------------------------------------
# 4. the Hub


def test_hub_fetch_success_stores_in_cache(hf_constants: Path, tmp_path: Path, hub: HubStub) -> None:
    hub.config("org/tiny-llama", LLAMA / "config.json", commit=COMMIT_MAIN)
    source = fetch_hub_config("org/tiny-llama", None, timeout=5)
    assert source.ok and source.origin == "hub"
    assert source.config == json.loads((LLAMA / "config.json").read_text())
    assert hub.paths == ["/org/tiny-llama/resolve/main/config.json"]
    assert hub.requests[0][1]["authorization"] == f"Bearer {TOKEN}"
    assert hub.requests[0][1]["user-agent"] == "lora-lint"

    expected = hf_constants / "models--org--tiny-llama" / "snapshots" / COMMIT_MAIN / "config.json"
    assert source.config_path == expected
    assert (hf_constants / "models--org--tiny-llama" / "refs" / "main").read_text() == COMMIT_MAIN

    # huggingface_hub finds it, and so does the next resolution, without the network
    from huggingface_hub import try_to_load_from_cache

    assert try_to_load_from_cache("org/tiny-llama", "config.json") == str(expected)
    again = resolve_model("org/tiny-llama", cwd=tmp_path, timeout=5)
    assert again.ok and again.origin == "cache"
    assert len(hub.requests) == 1


def test_hub_request_carries_revision(hf_constants: Path, tmp_path: Path, hub: HubStub) -> None:
    hub.config("org/tiny-llama", LLAMA / "config.json", rev="v2", commit=COMMIT_V2)
    source = resolve_model("org/tiny-llama", "v2", cwd=tmp_path, timeout=5)
    assert source.ok and source.origin == "hub" and source.revision == "v2"
    assert hub.paths == ["/org/tiny-llama/resolve/v2/config.json"]
    assert (hf_constants / "models--org--tiny-llama" / "refs" / "v2").read_text() == COMMIT_V2
    assert cached_config("org/tiny-llama", "v2") == source.config_path
    assert cached_config("org/tiny-llama", None) is None  # main was never fetched


def test_hub_without_commit_header_is_not_cached(hf_constants: Path, tmp_path: Path, hub: HubStub) -> None:
    hub.config("org/tiny-llama", LLAMA / "config.json", commit=None)
    source = fetch_hub_config("org/tiny-llama", None, timeout=5)
    assert source.ok and source.config_path is None
    assert not (hf_constants / "models--org--tiny-llama").exists()


def test_hub_no_token_sends_no_authorization(tmp_path: Path, hub: HubStub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_TOKEN")
    hub.config("org/tiny-llama", LLAMA / "config.json", commit=COMMIT_MAIN)
    assert fetch_hub_config("org/tiny-llama", None, timeout=5).ok
    assert "authorization" not in hub.requests[0][1]


HTTP_ERRORS = [
    pytest.param(401, {"X-Error-Code": "GatedRepo"}, b"", "gated", id="401-gated"),
    pytest.param(403, {"X-Error-Code": "GatedRepo"}, b"", "gated", id="403-gated"),
    pytest.param(
        403,
        {"X-Error-Message": "Access to model org/x is restricted: it is a gated model"},
        b"",
        "gated",
        id="403-gated-message",
    ),
    pytest.param(401, {}, b"", "unauthorized", id="401"),
    pytest.param(403, {}, b"", "unauthorized", id="403"),
    pytest.param(404, {"X-Error-Code": "RepoNotFound"}, b"", "not-found", id="404-repo"),
    pytest.param(404, {}, b"", "not-found", id="404-plain"),
    pytest.param(404, {"X-Error-Code": "EntryNotFound"}, b"", "no-config", id="404-entry"),
    pytest.param(404, {"X-Error-Code": "RevisionNotFound"}, b"", "revision-not-found", id="404-revision"),
    pytest.param(500, {}, b"", "hub-error", id="500"),
    pytest.param(502, {}, b"<html>bad gateway</html>", "hub-error", id="502"),
    pytest.param(200, {"X-Repo-Commit": COMMIT_MAIN}, b"<html>not json</html>", "bad-config", id="200-not-json"),
    pytest.param(200, {}, b"[1, 2, 3]", "bad-config", id="200-list"),
    pytest.param(200, {}, b"\xff\xfe\x00garbage", "bad-config", id="200-not-utf8"),
]


@pytest.mark.parametrize(("status", "headers", "body", "reason"), HTTP_ERRORS)
def test_hub_errors_become_reasons(
    hf_constants: Path,
    tmp_path: Path,
    hub: HubStub,
    status: int,
    headers: dict[str, str],
    body: bytes,
    reason: str,
) -> None:
    hub.error("org/x", status, headers, body)
    source = resolve_model("org/x", cwd=tmp_path, timeout=5)
    assert not source.ok
    assert source.reason == reason, source
    assert source.origin == "hub"
    assert source.message and "org/x" in source.message
    assert TOKEN not in source.message
    assert hub.paths == ["/org/x/resolve/main/config.json"]
    assert hub.requests[0][1]["authorization"] == f"Bearer {TOKEN}"
    assert not (hf_constants / "models--org--x").exists()  # nothing cached from a failure


def test_hub_config_too_large(tmp_path: Path, hub: HubStub) -> None:
    from linter import limits

    big = b'{"model_type": "llama", "pad": "' + b"x" * limits.MAX_MODEL_CONFIG_BYTES + b'"}'
    hub.routes["/org/huge/resolve/main/config.json"] = Route(200, big, {"X-Repo-Commit": COMMIT_MAIN})
    source = fetch_hub_config("org/huge", None, timeout=5)
    assert not source.ok and source.reason == "bad-config" and "too large" in source.message


def test_hub_timeout_is_quick(tmp_path: Path, hub: HubStub) -> None:
    hub.routes["/org/slow/resolve/main/config.json"] = Route(200, b"{}", {}, delay=8)
    start = time.monotonic()
    source = fetch_hub_config("org/slow", None, timeout=0.5)
    assert time.monotonic() - start < 3
    assert not source.ok and source.reason == "timeout"
    assert "timed out after 0.5s" in source.message

    start = time.monotonic()
    source = resolve_model("org/slow", cwd=tmp_path, timeout=0.5)
    assert time.monotonic() - start < 3
    assert not source.ok and source.reason == "timeout"
    assert TOKEN not in source.message
    assert len(hub.requests) == 2


def test_hub_unreachable(tmp_path: Path, hub: HubStub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", closed_endpoint())
    source = fetch_hub_config("org/x", None, timeout=2)
    assert not source.ok and source.reason == "unreachable"
    assert TOKEN not in source.message


def test_redirects_keep_token_only_on_same_host(
    tmp_path: Path, hub: HubStub, hub_factory: Callable[[], HubStub]
) -> None:
    other = hub_factory()
    other.config("org/tiny-llama", LLAMA / "config.json", commit=COMMIT_MAIN)
    hub.config("org/renamed", LLAMA / "config.json", commit=COMMIT_MAIN)
    # same host, relative Location (a renamed repo): the token goes along
    hub.routes["/org/old-name/resolve/main/config.json"] = Route(
        307, b"", {"Location": "/org/renamed/resolve/main/config.json"}
    )
    # another host (a CDN): the token must not follow
    hub.routes["/org/tiny-llama/resolve/main/config.json"] = Route(
        302, b"", {"Location": f"{other.endpoint}/org/tiny-llama/resolve/main/config.json"}
    )

    assert fetch_hub_config("org/old-name", None, timeout=5).ok
    assert [h.get("authorization") for _, h in hub.requests] == [f"Bearer {TOKEN}", f"Bearer {TOKEN}"]

    assert fetch_hub_config("org/tiny-llama", None, timeout=5).ok
    assert len(other.requests) == 1
    assert "authorization" not in other.requests[0][1]


def test_redirect_loop_is_bounded(tmp_path: Path, hub: HubStub) -> None:
    hub.routes["/org/loop/resolve/main/config.json"] = Route(
        302, b"", {"Location": "/org/loop/resolve/main/config.json"}
    )
    source = fetch_hub_config("org/loop", None, timeout=5)
    assert not source.ok and source.reason == "redirect-loop"
    assert len(hub.requests) <= 12


@pytest.mark.parametrize("how", ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "offline-flag"])
def test_offline_makes_no_requests(tmp_path: Path, hub: HubStub, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    hub.config("org/tiny-llama", LLAMA / "config.json", commit=COMMIT_MAIN)
    if how != "offline-flag":
        monkeypatch.setenv(how, "1")
    source = resolve_model("org/tiny-llama", cwd=tmp_path, offline=how == "offline-flag", timeout=5)
    assert not source.ok and source.reason == "offline"
    assert ("--offline" if how == "offline-flag" else "HF_HUB_OFFLINE") in source.message
    assert hub.requests == []


def test_cli_hub_success_then_cache(hf_constants: Path, tmp_path: Path, hub: HubStub) -> None:
    hub.config("org/tiny-llama", LLAMA / "config.json", commit=COMMIT_MAIN)
    hub.config("org/tiny-llama", LLAMA / "config.json", rev="v2", commit=COMMIT_V2)
    main = adapter(tmp_path / "main", "org/tiny-llama")
    v2 = adapter(tmp_path / "v2", "org/tiny-llama", revision="v2")

    result = run_cli(".", "--format", "json", cwd=tmp_path, timeout=CLI_TIMEOUT)
    assert_ran_on(result)
    assert TOKEN not in result.stdout + result.stderr
    report = result.json()
    assert_available(report, by_path(report, main, tmp_path), "hub", "LlamaForCausalLM")
    entry = by_path(report, v2, tmp_path)
    assert_available(report, entry, "hub", "LlamaForCausalLM")
    assert entry["model"]["revision"] == "v2"
    assert sorted(hub.paths) == [
        "/org/tiny-llama/resolve/main/config.json",
        "/org/tiny-llama/resolve/v2/config.json",
    ]
    assert {h["authorization"] for _, h in hub.requests} == {f"Bearer {TOKEN}"}

    repo_dir = hf_constants / "models--org--tiny-llama"
    assert (repo_dir / "refs" / "main").read_text() == COMMIT_MAIN
    assert (repo_dir / "refs" / "v2").read_text() == COMMIT_V2
    assert json.loads((repo_dir / "snapshots" / COMMIT_MAIN / "config.json").read_text())["model_type"] == "llama"

    offline = run_cli(".", "--format", "json", cwd=tmp_path, env={"HF_HUB_OFFLINE": "1"}, timeout=CLI_TIMEOUT)
    assert_ran_on(offline)
    report = offline.json()
    entry = by_path(report, main, tmp_path)
    assert_available(report, entry, "cache", "LlamaForCausalLM")
    assert COMMIT_MAIN in entry["model"]["config_path"]
    entry = by_path(report, v2, tmp_path)
    assert_available(report, entry, "cache", "LlamaForCausalLM")
    assert COMMIT_V2 in entry["model"]["config_path"]
    assert len(hub.requests) == 2, "the offline run must not contact the Hub"


CLI_ERRORS = {
    "gated": (401, {"X-Error-Code": "GatedRepo"}, b""),
    "unauthorized": (401, {}, b""),
    "not-found": (404, {"X-Error-Code": "RepoNotFound"}, b""),
    "no-config": (404, {"X-Error-Code": "EntryNotFound"}, b""),
    "hub-error": (500, {}, b"internal"),
    "bad-config": (200, {"X-Repo-Commit": COMMIT_MAIN}, b"this is not json"),
}


def test_cli_hub_errors_keep_the_run_going(tmp_path: Path, hub: HubStub) -> None:
    files = {}
    for reason, (status, headers, body) in CLI_ERRORS.items():
        hub.error(f"org/{reason}", status, headers, body)
        files[reason] = adapter(tmp_path / reason, f"org/{reason}")

    result = run_cli(".", "--format", "json", cwd=tmp_path, timeout=CLI_TIMEOUT)
    assert_ran_on(result)
    assert TOKEN not in result.stdout + result.stderr
    report = result.json()
    assert len(report["files"]) == len(CLI_ERRORS)
    for reason, path in files.items():
        entry = by_path(report, path, tmp_path)
        assert_unavailable(report, entry, reason)
        assert entry["model"]["origin"] == "hub" and entry["model"]["ref"] == f"org/{reason}"
    assert sorted(hub.paths) == sorted(f"/org/{r}/resolve/main/config.json" for r in CLI_ERRORS)
    assert {h["authorization"] for _, h in hub.requests} == {f"Bearer {TOKEN}"}

    text = run_cli(".", "--format", "text", cwd=tmp_path, timeout=CLI_TIMEOUT)
    assert_ran_on(text)
    assert text.code == result.code
    assert TOKEN not in text.stdout + text.stderr
    lines = text.stdout.splitlines()
    for reason, path in files.items():
        shown = str(path.relative_to(tmp_path))
        assert len([ln for ln in lines if ln.startswith(f"{shown}:") and " LL201 " in ln]) == 1, reason
        assert len([ln for ln in lines if ln.startswith(f"{shown}:") and " LL102 " in ln]) == 1, reason
    assert "gated on the Hub" in text.stdout and "set HF_TOKEN" in text.stdout
    assert len(hub.requests) == 2 * len(CLI_ERRORS)


@pytest.mark.parametrize("how", ["--offline", "HF_HUB_OFFLINE"])
def test_cli_offline_makes_no_requests(tmp_path: Path, hub: HubStub, how: str) -> None:
    hub.config("org/tiny-llama", LLAMA / "config.json", commit=COMMIT_MAIN)
    path = adapter(tmp_path / "cfg", "org/tiny-llama")
    args, env = (["--offline"], {}) if how == "--offline" else ([], {"HF_HUB_OFFLINE": "1"})
    result = run_cli(".", "--format", "json", *args, cwd=tmp_path, env=env, timeout=CLI_TIMEOUT)
    assert_ran_on(result)
    report = result.json()
    entry = by_path(report, path, tmp_path)
    assert_unavailable(report, entry, "offline")
    assert how in entry["model"]["message"]
    assert hub.requests == []


# --------------------------------------------------------------------------------------------------
# regressions: each of these was a bug once


class RawServer:
    """A TCP server that answers every connection with `reply(conn)`: for malformed HTTP."""

    def __init__(self, reply: Callable[[socket.socket], None]):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.reply = reply
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        self.endpoint = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.recv(65536)
                    self.reply(conn)
                except OSError:
                    pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.mark.parametrize(
    "answer",
    [
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n",
    ],
    ids=["bad-status-line", "broken-chunking"],
)
def test_malformed_hub_answers_are_a_reason_not_a_crash(answer: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    server = RawServer(lambda conn: conn.sendall(answer))
    try:
        monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
        source = fetch_hub_config("org/x", None, timeout=2)
    finally:
        server.close()
    assert not source.ok and source.reason == "hub-error"


def test_hub_timeout_is_a_total_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    body = json.dumps({"model_type": "llama", "pad": "x" * 200}).encode()

    def drip(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        for byte in body:
            conn.sendall(bytes([byte]))
            time.sleep(0.05)

    server = RawServer(drip)
    try:
        monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
        started = time.monotonic()
        source = fetch_hub_config("org/x", None, timeout=0.5)
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert source.reason == "timeout"
    assert elapsed < 2.0


def test_revision_with_slashes_is_cached_where_huggingface_hub_looks(hf_constants: Path, hub: HubStub) -> None:
    hub.config("org/pr-model", LLAMA / "config.json", rev="refs%2Fpr%2F1", commit=COMMIT_V2)
    assert fetch_hub_config("org/pr-model", "refs/pr/1", timeout=5).ok
    assert (hf_constants / "models--org--pr-model" / "refs" / "refs" / "pr" / "1").read_text() == COMMIT_V2
    assert cached_config("org/pr-model", "refs/pr/1") is not None
