"""The command line as users run it: a real subprocess, real models, real files."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import FIXTURE_MODELS, ROOT, run_cli, write_json

LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>LL\d{3}) (?P<message>.+)$")


def _findings(stdout: str) -> set[tuple[str, int, int, str]]:
    found = set()
    for line in stdout.splitlines():
        match = LINE.match(line)
        if match:
            found.add((match["path"], int(match["line"]), int(match["col"]), match["code"]))
    return found


def test_examples_report_every_mistake_with_position() -> None:
    result = run_cli("examples/")
    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stderr
    found = _findings(result.stdout)
    assert found == {
        ("examples/configs/gpt2-llama-names.yaml", 8, 5, "LL301"),
        ("examples/configs/gpt2-llama-names.yaml", 9, 5, "LL301"),
        ("examples/configs/llama-3.1-8b/adapter_config.json", 8, 86, "LL301"),  # from the catalogue
        ("examples/configs/llama-mistakes.yaml", 6, 18, "LL305"),
        ("examples/configs/llama-mistakes.yaml", 6, 40, "LL303"),
        ("examples/configs/llama-mistakes.yaml", 7, 29, "LL306"),
        ("examples/configs/llama-mistakes.yaml", 7, 32, "LL306"),
        ("examples/configs/llama-mistakes.yaml", 8, 19, "LL309"),
        ("examples/configs/llama-regex-string.json", 5, 21, "LL304"),
        ("examples/configs/llama-typo/adapter_config.json", 6, 3, "LL102"),
        ("examples/configs/llama-typo/adapter_config.json", 7, 42, "LL301"),
    }
    lines = result.stdout.splitlines()
    typo = next(i for i, line in enumerate(lines) if "`v_prj`" in line)
    assert lines[typo + 1] == "    hint: did you mean `v_proj`?"
    assert "this model uses `c_attn`" in result.stdout  # Llama names on GPT-2, answered by role
    assert lines[-2:] == ["Found 9 errors, 2 warnings in 8 LoRA configs.", "[*] 3 fixable with the `--fix` option."]
    # the safe fixes are marked: the typo with one real spelling, the comma-joined string
    assert {line.split(": ", 1)[0] for line in lines if " [*] " in line} == {
        "examples/configs/llama-typo/adapter_config.json:7:42",
        "examples/configs/llama-regex-string.json:5:21",
        "examples/configs/llama-3.1-8b/adapter_config.json:8:86",
    }


def test_clean_configs_exit_zero(tmp_path: Path) -> None:
    result = run_cli("examples/configs/llama-qv", "examples/configs/gpt2-clean.yaml")
    assert result.code == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "Adapter sizes:",
        "  examples/configs/llama-qv/adapter_config.json          7,168 trainable = 4.36% of 164,416",
        "  examples/configs/gpt2-clean.yaml                      11,264 trainable = 9.67% of 116,480",
        "All checks passed (2 LoRA configs).",
    ]


def test_json_output_lists_files_models_targets_and_diagnostics() -> None:
    result = run_cli("--format", "json", "examples/configs/llama-typo", "examples/configs/gpt2-clean.yaml")
    assert result.code == 1
    report = result.json()
    files = {f["path"]: f for f in report["files"]}
    typo = files["examples/configs/llama-typo/adapter_config.json"]
    assert typo["dialect"] == "peft"
    assert typo["model"]["model_class"] == "LlamaForCausalLM"
    assert typo["model"]["origin"] == "local"
    # PEFT drops v_prj silently: only q, k and o of the four layers are targeted
    assert sorted(typo["targeted_modules"]) == sorted(
        f"model.layers.{i}.self_attn.{p}" for i in range(4) for p in ("q_proj", "k_proj", "o_proj")
    )
    assert typo["peft_error"] is None
    gpt2 = files["examples/configs/gpt2-clean.yaml"]
    assert gpt2["targeted_modules"] == [
        "transformer.h.0.attn.c_attn",
        "transformer.h.0.attn.c_proj",
        "transformer.h.0.mlp.c_proj",
        "transformer.h.1.attn.c_attn",
        "transformer.h.1.attn.c_proj",
        "transformer.h.1.mlp.c_proj",
    ]
    diag = next(d for d in report["diagnostics"] if d["code"] == "LL301")
    assert diag == {
        "path": "examples/configs/llama-typo/adapter_config.json",
        "line": 7,
        "column": 42,
        "end_line": 7,
        "end_column": 49,
        "code": "LL301",
        "name": "unmatched-target-module",
        "level": "error",
        "message": diag["message"],
        "hint": "did you mean `v_proj`?",
        "fix_suggestions": ["v_proj"],
        "fix": {
            "applicability": "safe",
            "message": "Replace `v_prj` with `v_proj`",
            "edits": [
                {
                    "line": 7,
                    "column": 42,
                    "end_line": 7,
                    "end_column": 49,
                    "content": '"v_proj"',
                    "original": '"v_prj"',
                }
            ],
        },
    }
    assert report["summary"] == {"files": 2, "errors": 1, "warnings": 1, "infos": 0, "fixable": 1}
    assert all(d["fix"] is None for d in report["diagnostics"] if d["code"] != "LL301")


def test_unparsable_named_file_is_a_finding_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "lora.json"
    bad.write_text('{\n  "r": 8,\n  "target_modules": ["q_proj",]\n}\n')
    yaml_bad = tmp_path / "lora.yaml"
    yaml_bad.write_text("r: 8\ntarget_modules: [q_proj\nlora_alpha: 16\n")
    result = run_cli("--format", "json", str(bad), str(yaml_bad), cwd=tmp_path)
    assert result.code == 1
    assert "Traceback" not in result.stderr
    diags = {(d["path"], d["code"]): d for d in result.json()["diagnostics"]}
    assert (diags[("lora.json", "LL001")]["line"], diags[("lora.json", "LL001")]["column"]) == (
        3,
        31,
    )  # the `]` after the trailing comma
    assert diags[("lora.json", "LL001")]["message"].startswith("invalid JSON")
    assert diags[("lora.yaml", "LL001")]["line"] == 3
    assert diags[("lora.yaml", "LL001")]["message"].startswith("invalid YAML")


def test_other_yaml_and_json_files_are_skipped_silently(tmp_path: Path) -> None:
    (tmp_path / "train.yaml").write_text("learning_rate: 0.0002\nepochs: 3\nr: 8\n")
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    (tmp_path / "broken-but-unnamed.yaml").write_text("a: [\n")
    nested = tmp_path / "sub"
    nested.mkdir()
    (nested / "notes.json").write_text("[1, 2, 3]\n")
    result = run_cli(".", cwd=tmp_path)
    assert result.code == 0, result.stdout
    assert result.stdout == "All checks passed (0 LoRA configs).\n"


def test_directory_walk_skips_vcs_venv_and_caches(tmp_path: Path) -> None:
    config = {"r": 8, "lora_alpha": 16, "target_modules": "q_proj,v_proj"}  # LL304 without a model
    for folder in (".git", "node_modules", "venv", "__pycache__", ".cache/x"):
        write_json(tmp_path / folder / "adapter_config.json", config)
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    write_json(tmp_path / "configs" / "adapter_config.json", config)
    result = run_cli("--format", "json", "--offline", ".", cwd=tmp_path)
    paths = {f["path"] for f in result.json()["files"]}
    assert paths == {"configs/adapter_config.json"}


def test_default_path_is_the_current_directory() -> None:
    result = run_cli(cwd=ROOT / "examples" / "configs" / "llama-typo")
    assert result.code == 1
    assert {f[3] for f in _findings(result.stdout)} == {"LL102", "LL301"}


def test_quiet_prints_findings_only_and_model_override(tmp_path: Path) -> None:
    write_json(
        tmp_path / "adapter_config.json",
        {"base_model_name_or_path": "org/not-on-disk", "r": 8, "target_modules": ["q_proj", "c_attn"]},
    )
    result = run_cli("-q", "--model", str(FIXTURE_MODELS / "gpt2"), ".", cwd=tmp_path)
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("adapter_config.json:5:5: LL301 `q_proj` matches no module of GPT2LMHeadModel")
        for line in lines
    )
    assert all(line.startswith(("adapter_config.json:", "    hint:")) for line in lines)  # no summary


def test_usage_errors_exit_two(tmp_path: Path) -> None:
    assert run_cli("--no-such-option").code == 2
    assert run_cli("--format", "xml", ".").code == 2
    (tmp_path / "pyproject.toml").write_text("[tool.lora-lint]\noffine = true\n")
    result = run_cli(".", cwd=tmp_path)
    assert result.code == 2
    assert "unknown setting `offine`" in result.stderr and "did you mean `offline`" in result.stderr


def test_version_and_module_entry_point() -> None:
    from linter import __version__

    assert run_cli("--version").stdout.strip() == f"lora-lint, version {__version__}"
    script = shutil.which("lora-lint", path=str(Path(sys.executable).parent))
    assert script is not None, "the console script is installed with the package"
    proc = subprocess.run([script, "--version"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_model_config_saved_as_adapter_config(tmp_path: Path) -> None:
    shutil.copy(FIXTURE_MODELS / "llama" / "config.json", tmp_path / "adapter_config.json")
    result = run_cli("--format", "json", ".", cwd=tmp_path)
    assert result.code == 1
    (diag,) = result.json()["diagnostics"]
    assert diag["code"] == "LL003"
    config = json.loads((tmp_path / "adapter_config.json").read_text())
    assert "model_type" in config  # never modified
