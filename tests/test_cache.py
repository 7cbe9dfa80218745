"""The inventory cache: warm runs without torch, atomic and self-healing entries, the cache commands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from linter.models.cache import InventoryCache, cache_key, default_cache_dir
from linter.models.meta import build_inventory
from tests.support import FIXTURE_MODELS, as_nobody, load_model_config, run_cli, write_json

PROBE = """
import sys
from linter.cli import main
try:
    main(["--format", "json", "."])
except SystemExit as exc:
    code = exc.code
print("IMPORTED", sorted(m for m in ("torch", "transformers") if m in sys.modules), "EXIT", code, file=sys.stderr)
"""


def _project(tmp_path: Path, model: str = "llama") -> Path:
    write_json(
        tmp_path / "adapter_config.json",
        {
            "base_model_name_or_path": str(FIXTURE_MODELS / model),
            "r": 8,
            "target_modules": ["q_proj", "v_prj"],
            "task_type": "CAUSAL_LM",
        },
    )
    return tmp_path


def _probe(cwd: Path) -> tuple[list[str], dict]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ),
    )
    line = next(line for line in proc.stderr.splitlines() if line.startswith("IMPORTED"))
    return line, json.loads(proc.stdout)


def test_a_warm_run_never_imports_torch(tmp_path: Path) -> None:
    project = _project(tmp_path)
    cold, cold_report = _probe(project)
    assert cold == "IMPORTED ['torch', 'transformers'] EXIT 1"
    warm, warm_report = _probe(project)  # the file's result is cached
    assert warm == "IMPORTED [] EXIT 1"
    assert warm_report == cold_report
    shutil.rmtree(Path(os.environ["LORA_LINT_CACHE_DIR"]) / "results")
    relinted, relinted_report = _probe(project)  # linted again, from the cached inventory
    assert relinted == "IMPORTED [] EXIT 1"
    assert relinted_report == cold_report


def test_results_are_reused_only_while_everything_they_depend_on_is_unchanged(tmp_path: Path) -> None:
    project = _project(tmp_path)
    results = Path(os.environ["LORA_LINT_CACHE_DIR"]) / "results"
    first = run_cli("--format", "json", ".", cwd=project).json()
    assert len(list(results.glob("*.json"))) == 1
    assert run_cli("--format", "json", ".", cwd=project).json() == first
    assert len(list(results.glob("*.json"))) == 1
    # the file changes
    config = project / "adapter_config.json"
    config.write_text(config.read_text().replace("v_prj", "v_proj"))
    assert run_cli("--format", "json", ".", cwd=project).json()["diagnostics"] == []
    # the settings change
    (project / "pyproject.toml").write_text('[tool.lora-lint]\nextend-select = ["LL408"]\n')
    assert [d["code"] for d in run_cli("--format", "json", ".", cwd=project).json()["diagnostics"]] == ["LL408"]
    # the model's config.json changes (a local copy of the model, one more layer)
    model = project / "model"
    model.mkdir()
    model_config = json.loads((FIXTURE_MODELS / "llama" / "config.json").read_text())
    (model / "config.json").write_text(json.dumps(model_config))
    data = json.loads(config.read_text())
    config.write_text(json.dumps({**data, "base_model_name_or_path": "model"}))
    before = run_cli("--format", "json", ".", cwd=project).json()["files"][0]["targeted_modules"]
    (model / "config.json").write_text(json.dumps({**model_config, "num_hidden_layers": 3}))
    after = run_cli("--format", "json", ".", cwd=project).json()["files"][0]["targeted_modules"]
    assert len(after) == len(before) + 2


def _entry(cache_dir: Path) -> Path:
    (entry,) = (cache_dir / "inventories").glob("*.json")
    return entry


def test_corrupt_truncated_and_foreign_entries_are_rebuilt(tmp_path: Path) -> None:
    project = _project(tmp_path)
    cache_dir = Path(os.environ["LORA_LINT_CACHE_DIR"])
    first = run_cli("--format", "json", ".", cwd=project).json()
    entry = _entry(cache_dir)
    good = entry.read_text()
    for damaged in (
        good[: len(good) // 2],
        "not json at all",
        json.dumps({"format": 999, "key": "x"}),
        json.dumps({**json.loads(good), "key": "someone-else"}),
    ):
        entry.write_text(damaged)
        shutil.rmtree(cache_dir / "results")  # so the file is linted again and the inventory read
        again = run_cli("--format", "json", ".", cwd=project).json()
        assert again["diagnostics"] == first["diagnostics"]
        assert json.loads(entry.read_text())["key"] == entry.stem  # rewritten whole


def test_two_processes_filling_the_cache_at_once(tmp_path: Path) -> None:
    project = _project(tmp_path, "mistral")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "linter", "--format", "json", "."],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [1, 1, 1], [err for _, err in outputs]
    assert len({json.dumps(json.loads(out)["diagnostics"]) for out, _ in outputs}) == 1
    entry = _entry(Path(os.environ["LORA_LINT_CACHE_DIR"]))
    assert json.loads(entry.read_text())["key"] == entry.stem
    assert not list(entry.parent.glob(".tmp-*"))


def test_no_cache_writes_nothing_and_cache_commands(tmp_path: Path) -> None:
    project = _project(tmp_path)
    cache_dir = Path(os.environ["LORA_LINT_CACHE_DIR"])
    run_cli("--no-cache", ".", cwd=project)
    assert not (cache_dir / "inventories").exists() or not list((cache_dir / "inventories").glob("*.json"))
    run_cli(".", cwd=project)
    info = run_cli("cache", "info").stdout.splitlines()
    assert info[0] == f"path: {cache_dir}"
    assert info[1].startswith("inventories: 1 (") and info[2].startswith("results: 1 (")
    assert run_cli("cache", "clear").stdout.strip() == "removed 1 inventory and 1 result(s)"
    assert run_cli("cache", "info").stdout.splitlines()[1:] == ["inventories: 0 (0 bytes)", "results: 0 (0 bytes)"]


def test_an_unwritable_cache_degrades_to_no_caching_with_one_note(tmp_path: Path) -> None:
    project = _project(tmp_path)
    write_json(
        project / "second" / "adapter_config.json",
        {"base_model_name_or_path": str(FIXTURE_MODELS / "gpt2"), "r": 8, "target_modules": ["c_attn"]},
    )
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")  # unwritable even for root
    result = run_cli(".", cwd=project, env={"LORA_LINT_CACHE_DIR": str(blocker)})
    assert result.code == 1
    assert "LL301" in result.stdout  # the run itself is unaffected
    assert result.stderr.count("caching is off") == 1
    assert blocker.read_text() == "a file where the cache directory should be"


def test_the_key_changes_with_everything_that_changes_the_inventory() -> None:
    config = load_model_config("llama")
    base = cache_key(config, "AutoModelForCausalLM", "5.0.0", False)
    assert base != cache_key(config, "AutoModelForSequenceClassification", "5.0.0", False)
    assert base != cache_key(config, "AutoModelForCausalLM", "5.0.1", False)
    assert base != cache_key(config, "AutoModelForCausalLM", "5.0.0", True)
    assert base != cache_key({**config, "num_hidden_layers": 3}, "AutoModelForCausalLM", "5.0.0", False)
    assert base == cache_key(dict(reversed(list(config.items()))), "AutoModelForCausalLM", "5.0.0", False)


def test_round_trip_and_default_location(tmp_path: Path, monkeypatch) -> None:
    inventory = build_inventory(load_model_config("gpt2"), "GPT2LMHeadModel")
    cache = InventoryCache(tmp_path)
    cache.put("k" * 64, inventory)
    assert cache.get("k" * 64).to_dict() == inventory.to_dict()
    monkeypatch.delenv("LORA_LINT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert default_cache_dir() == tmp_path / "xdg" / "lora-lint"


def test_a_read_only_cache_directory_degrades_to_no_caching_with_one_note() -> None:
    """A cache directory without write permission (as `nobody` when the tests run as root)."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="lora-lint-ro-cache-"))
    try:
        base.chmod(0o755)
        project = _project(base / "project")
        write_json(
            project / "second" / "adapter_config.json",
            {"base_model_name_or_path": str(FIXTURE_MODELS / "gpt2"), "r": 8, "target_modules": ["c_attn"]},
        )
        cache = base / "cache"
        cache.mkdir(mode=0o555)
        cache.chmod(0o555)
        env = {**os.environ, "LORA_LINT_CACHE_DIR": str(cache), "HOME": str(base), "HF_HOME": str(base / "hf")}
        # root writes anywhere: drop to `nobody`, to whom the permission bits apply
        proc = subprocess.run(
            [*as_nobody(), sys.executable, "-m", "linter", "."],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )
        assert proc.returncode == 1, proc.stderr
        assert "LL301" in proc.stdout  # the run itself is unaffected
        assert proc.stderr.count("caching is off") == 1, proc.stderr
        assert list(cache.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)
