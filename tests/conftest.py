"""Shared fixtures: an isolated Hugging Face cache, no network by default, tiny model configs.

Every test runs with `HF_HOME` pointing into its own temporary directory and `HF_HUB_OFFLINE=1`,
so nothing reaches the real Hub or the developer's cache; the Hub tests opt back in with a local
server. Model tests build real transformers models on the meta device from the small config.json
files in `tests/fixtures/models/`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import FIXTURE_MODELS
from tests.test_resolve import hf_constants, hub, hub_factory  # noqa: F401 - the fake Hub, for every test module


@pytest.fixture(autouse=True)
def isolated_hub(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("hf-home")
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("LORA_LINT_CACHE_DIR", str(home / "lora-lint-cache"))
    for name in ("HUGGING_FACE_HUB_TOKEN", "TRANSFORMERS_OFFLINE", "HF_OIDC_RESOURCE"):
        monkeypatch.delenv(name, raising=False)
    # huggingface_hub reads these paths once, at import: patch them too for in-process calls
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(constants, "HUGGINGFACE_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(home / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(home / "stored_tokens"))
    return home


@pytest.fixture
def model_dir() -> callable:
    def get(name: str) -> Path:
        path = FIXTURE_MODELS / name
        assert (path / "config.json").is_file(), f"no fixture model {name}"
        return path

    return get


def pytest_configure(config: pytest.Config) -> None:
    # CI must fail, not skip, when the model tests cannot run: import them eagerly there.
    if os.environ.get("CI"):
        import peft  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
