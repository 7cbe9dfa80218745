"""Find a base model's `config.json` from the reference a LoRA config names.

Order: `--model`; `[tool.lora-lint.models]` in pyproject.toml; a local directory (relative to the
working directory, then to the config file); the Hugging Face cache, read offline; the Hub, fetching
`config.json` only (never weights, never code) with a timeout, honouring `HF_ENDPOINT`, `HF_TOKEN`,
`HF_HUB_OFFLINE` and the revision. A fetched file is stored in the Hugging Face cache layout so the
next run, or an offline one, finds it there.

Every failure becomes a `ModelSource` with a short `reason` and a message that never contains the
token: model checks are then skipped for that file with one warning, and the run goes on.
"""

from __future__ import annotations

import errno
import http.client
import json
import os
import re
import stat
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linter import limits
from linter.models.catalog import CatalogEntry
from linter.models.catalog import lookup as catalog_lookup

DEFAULT_ENDPOINT = "https://huggingface.co"
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][\w.-]{0,95}/)?[A-Za-z0-9][\w.-]{0,95}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class ModelSource:
    """Where a model's config.json came from, or why it could not be found."""

    ref: str
    revision: str | None = None
    origin: str | None = None  # "override", "pyproject", "local", "cache", "catalog", "hub"
    config: dict[str, Any] | None = None
    config_path: Path | None = None
    model_dir: Path | None = None
    reason: str | None = None  # short category when config is None
    message: str | None = None
    #: the catalogue entry the config came from (origin "catalog")
    catalog: CatalogEntry | None = None

    @property
    def ok(self) -> bool:
        return self.config is not None


def _truthy_env(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def hub_offline() -> bool:
    return _truthy_env("HF_HUB_OFFLINE") or _truthy_env("TRANSFORMERS_OFFLINE")


def hub_timeout() -> float:
    """Seconds for one Hub request: `HF_HUB_DOWNLOAD_TIMEOUT` as huggingface_hub reads it, else the limit.

    A CI job on a slow network may need more than the default, a test of the timeout path less; a
    value that is not a number of seconds between 0 and 600 is ignored.
    """
    value = os.environ.get("HF_HUB_DOWNLOAD_TIMEOUT", "")
    try:
        seconds = float(value)
    except ValueError:
        return limits.HUB_TIMEOUT_SECONDS
    return seconds if 0 < seconds < 600 else limits.HUB_TIMEOUT_SECONDS


#: open without blocking (a FIFO swapped in after the check) and without taking a terminal
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def _read_bounded(path: Path) -> bytes:
    """At most `MAX_MODEL_CONFIG_BYTES` + 1 bytes of a regular file: a FIFO or /dev/zero is refused."""
    if not stat.S_ISREG(os.stat(path).st_mode):  # checked before opening: opening a device can act
        raise OSError(errno.EINVAL, "not a regular file")
    fd = os.open(path, _OPEN_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= limits.MAX_MODEL_CONFIG_BYTES:
            chunk = os.read(fd, limits.MAX_MODEL_CONFIG_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _read_config(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    try:
        raw = _read_bounded(path)
        if len(raw) > limits.MAX_MODEL_CONFIG_BYTES:
            return None, f"{path} is larger than {limits.MAX_MODEL_CONFIG_BYTES} bytes, too large for a config.json"
        data = json.loads(raw.decode("utf-8"))
    except OSError as exc:
        return None, f"cannot read {path}: {exc.strerror or exc}"
    except UnicodeDecodeError:
        return None, f"{path} is not UTF-8 text"
    except json.JSONDecodeError as exc:
        return None, f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}"
    except RecursionError:
        return None, f"{path} is nested too deeply to be a config.json"
    if not isinstance(data, dict):
        return None, f"{path} does not hold a JSON object"
    return data, None


_READ: dict[tuple, tuple[dict[str, Any] | None, str | None]] = {}


def _read_config_once(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """`_read_config`, once per file version: thousands of configs often share one model."""
    try:
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
    except OSError:
        return _read_config(path)
    if key not in _READ:
        _READ[key] = _read_config(path)
    return _READ[key]


def _from_file(ref: str, revision: str | None, path: Path, origin: str) -> ModelSource:
    config, error = _read_config_once(path)
    if config is None:
        return ModelSource(ref, revision, origin, reason="bad-config", message=error)
    return ModelSource(ref, revision, origin, config, path, path.parent)


def _local(ref: str, bases: list[Path]) -> Path | None:
    """A local directory holding config.json (or a config.json file) that `ref` names."""
    candidate = Path(ref).expanduser()
    tries = [candidate] if candidate.is_absolute() else [base / candidate for base in bases]
    for path in tries:
        try:
            if path.is_dir():
                return path / "config.json"
            if path.is_file() and path.name.endswith(".json"):
                return path
        except OSError:
            continue
    return None


def _looks_like_path(ref: str) -> bool:
    return ref.startswith(("/", "./", "../", "~", "\\")) or (len(ref) > 1 and ref[1] == ":") or ref.count("/") > 1


def cached_config(repo_id: str, revision: str | None) -> Path | None:
    """config.json of `repo_id` in the Hugging Face cache, without touching the network."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - huggingface_hub is a base dependency
        return None
    try:
        found = try_to_load_from_cache(repo_id, "config.json", revision=revision)
    except Exception:  # noqa: BLE001 - a malformed cache is a miss, not a crash
        return None
    return Path(found) if isinstance(found, str) else None


def _hub_cache_dir() -> Path:
    try:
        from huggingface_hub import constants

        return Path(constants.HF_HUB_CACHE)
    except ImportError:  # pragma: no cover
        return Path.home() / ".cache" / "huggingface" / "hub"


def _token() -> str | None:
    token = os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
    if token:
        return token.strip() or None
    try:
        from huggingface_hub import get_token

        return get_token()
    except Exception:  # noqa: BLE001
        return None


class _SameHostAuthRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a few redirects; send the token on only to the host it was meant for."""

    max_redirections = 5

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        token = getattr(req, "lora_lint_token", None)
        if new is not None and token:
            if urllib.parse.urlsplit(newurl).netloc == urllib.parse.urlsplit(req.full_url).netloc:
                new.add_unredirected_header("Authorization", f"Bearer {token}")
            new.lora_lint_token = token
            if urllib.parse.urlsplit(newurl).netloc != urllib.parse.urlsplit(req.full_url).netloc:
                new.lora_lint_token = None
        return new


def fetch_hub_config(repo_id: str, revision: str | None, timeout: float) -> ModelSource:
    """GET `config.json` of `repo_id` from the Hub (or `HF_ENDPOINT`), and store it in the cache."""
    endpoint = (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
    rev = revision or "main"
    url = f"{endpoint}/{repo_id}/resolve/{urllib.parse.quote(rev, safe='')}/config.json"
    request = urllib.request.Request(url, headers={"User-Agent": "lora-lint"})
    token = _token()
    if token:
        request.add_unredirected_header("Authorization", f"Bearer {token}")
        request.lora_lint_token = token
    opener = urllib.request.build_opener(_SameHostAuthRedirects())
    where = f"{repo_id}@{rev}" if revision else repo_id
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            body = _read_until(response, deadline)
            commit = response.headers.get("X-Repo-Commit")
    except urllib.error.HTTPError as exc:
        return ModelSource(repo_id, revision, "hub", reason=_http_reason(exc), message=_http_message(exc, where))
    except (TimeoutError, OSError) as exc:
        reason = "timeout" if "timed out" in str(exc).lower() or isinstance(exc, TimeoutError) else "unreachable"
        text = f"timed out after {timeout:g}s" if reason == "timeout" else "connection failed"
        return ModelSource(repo_id, revision, "hub", reason=reason, message=f"Hub request for {where} {text}")
    except (http.client.HTTPException, ValueError) as exc:
        # a malformed answer (bad status line, broken chunking, over-long header...)
        return ModelSource(
            repo_id,
            revision,
            "hub",
            reason="hub-error",
            message=f"the Hub sent a malformed answer for {where} ({_malformed(exc)})",
        )
    if len(body) > limits.MAX_MODEL_CONFIG_BYTES:
        return ModelSource(
            repo_id, revision, "hub", reason="bad-config", message=f"config.json of {where} is too large"
        )
    try:
        config = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ModelSource(
            repo_id, revision, "hub", reason="bad-config", message=f"config.json of {where} is not JSON"
        )
    if not isinstance(config, dict):
        return ModelSource(
            repo_id,
            revision,
            "hub",
            reason="bad-config",
            message=f"config.json of {where} is not a JSON object",
        )
    path = _store_in_cache(repo_id, rev, commit, body)
    return ModelSource(repo_id, revision, "hub", config, path, path.parent if path else None)


def _malformed(exc: Exception) -> str:
    """What was wrong with an answer http.client could not take, in words."""
    if isinstance(exc, http.client.IncompleteRead):
        return "the body was cut short"
    return type(exc).__name__


def _read_until(response: Any, deadline: float) -> bytes:
    """Read the body in pieces, giving up at `deadline`: a server that drips bytes cannot stall a run."""
    chunks: list[bytes] = []
    size = 0
    while size <= limits.MAX_MODEL_CONFIG_BYTES:
        if time.monotonic() > deadline:
            raise TimeoutError("timed out")
        chunk = response.read1(64 * 1024)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    body = b"".join(chunks)
    if getattr(response, "length", None):  # the connection closed before Content-Length bytes came
        raise http.client.IncompleteRead(body, response.length)
    return body


def _http_reason(exc: urllib.error.HTTPError) -> str:
    code = (exc.headers.get("X-Error-Code") or "") if exc.headers else ""
    if code == "GatedRepo" or (
        exc.code in (401, 403) and "gated" in (exc.headers.get("X-Error-Message") or "").lower()
    ):
        return "gated"
    if code == "EntryNotFound":
        return "no-config"
    if code == "RevisionNotFound":
        return "revision-not-found"
    if exc.code in (401, 403):
        return "unauthorized"
    if exc.code == 404:
        return "not-found"
    if 300 <= exc.code < 400:
        return "redirect-loop"
    return "hub-error"


def _http_message(exc: urllib.error.HTTPError, where: str) -> str:
    reason = _http_reason(exc)
    return {
        "gated": f"{where} is gated on the Hub (HTTP {exc.code}): accept its terms and set HF_TOKEN",
        "no-config": f"{where} has no config.json on the Hub",
        "revision-not-found": f"revision of {where} not found on the Hub",
        "unauthorized": f"the Hub refused {where} (HTTP {exc.code}): it is private or gated; set HF_TOKEN",
        "not-found": f"{where} not found on the Hub (HTTP 404)",
        "redirect-loop": f"the Hub redirected too often for {where}",
    }.get(reason, f"the Hub answered HTTP {exc.code} for {where}")


def _store_in_cache(repo_id: str, revision: str, commit: str | None, body: bytes) -> Path | None:
    """Write config.json where huggingface_hub looks for it; a failure only costs the caching."""
    if commit is None or not _COMMIT.match(commit):
        return None
    repo_dir = _hub_cache_dir() / ("models--" + repo_id.replace("/", "--"))
    target = repo_dir / "snapshots" / commit / "config.json"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(target, body)
        if revision != commit:
            ref = repo_dir / "refs" / revision  # `refs/pr/1` is a nested path, as huggingface_hub expects
            if ".." in Path(revision).parts or Path(revision).is_absolute() or "\\" in revision or ":" in revision:
                return target  # a ref file is written only inside the repository's own refs/
            ref.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(ref, commit.encode())
    except OSError:
        return None
    return target


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".lora-lint-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def resolve_model(
    ref: Any,
    revision: Any = None,
    *,
    config_dir: Path | None = None,
    cwd: Path | None = None,
    aliases: dict[str, tuple[str, Path]] | None = None,
    override: str | None = None,
    offline: bool = False,
    timeout: float | None = None,
    catalog: bool = True,
) -> ModelSource:
    """Resolve a model reference to its config.json, trying each source in turn."""
    origin = "config"
    bases = [cwd or Path.cwd()]
    if config_dir is not None:
        bases.append(config_dir)
    if override:
        ref, revision, origin = override, None, "override"
    if ref is None or ref == "":
        return ModelSource(
            "",
            None,
            reason="no-model",
            message="no base model named: set base_model_name_or_path or pass --model",
        )
    if not isinstance(ref, str):
        return ModelSource(str(ref), None, reason="bad-ref", message="the base model reference is not a string")
    if not isinstance(revision, str) or not revision:
        revision = None
    if len(ref) > limits.MAX_MODEL_REF_CHARS or any(ord(c) < 32 or ord(c) == 127 for c in ref):
        return ModelSource(
            ref[:80], revision, reason="bad-ref", message="the base model reference is not a usable name"
        )
    if aliases and ref in aliases:
        target, base = aliases[ref]
        ref, origin, bases = target, "pyproject", [base, *bases]
    local = _local(ref, bases)
    if local is not None:
        if not local.is_file():
            return ModelSource(
                ref, revision, "local", reason="no-config", message=f"{local.parent} has no config.json"
            )
        return _from_file(ref, revision, local, "local" if origin == "config" else origin)
    if _looks_like_path(ref) or not _REPO_ID.match(ref) or "--" in ref or ".." in ref:
        return ModelSource(
            ref,
            revision,
            reason="not-found",
            message=f"{ref!r} is neither a local directory nor a Hub model id",
        )
    cached = cached_config(ref, revision)
    if cached is not None:
        return _from_file(ref, revision, cached, "cache")
    entry = catalog_lookup(ref) if catalog else None
    if entry is not None:
        return ModelSource(ref, revision, "catalog", config=entry.config, catalog=entry)
    if offline or hub_offline():
        why = "--offline" if offline else "HF_HUB_OFFLINE is set"
        return ModelSource(
            ref,
            revision,
            reason="offline",
            message=f"{ref} is not in the Hugging Face cache and {why}",
        )
    return fetch_hub_config(ref, revision, hub_timeout() if timeout is None else timeout)
