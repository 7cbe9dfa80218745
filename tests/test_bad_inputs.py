"""Hostile and broken input: the real CLI on each file of `tests/bad_inputs/` and of its generator.

Every run must end with exit 0 or 1 (never 2, never a traceback), within `MAX_SECONDS` and
`MAX_RSS_MB` (the child's own peak, read with `os.wait4`), and say what it found where: the
expected rule at the expected line:column with the expected words. Files too big or too special
for git (50 MB files, 5,000-deep nesting, FIFOs, device files, symlink loops, unreadable files)
are written by `tests/bad_inputs/generate.py` into a temporary directory.

A file that is not a LoRA config by its name or its content (a scalar, comments only, a 50 MB
`tokenizer.json`) is skipped, as any other non-LoRA file is: the expectation is then `None`;
"clean" is a LoRA config with nothing to report.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from linter import limits
from tests.bad_inputs.generate import generate
from tests.support import ROOT, as_nobody, run_cli_measured

BAD = ROOT / "tests" / "bad_inputs"
MAX_SECONDS = 60  # a run takes well under 3 s here; this is a hang detector with room for a busy CI
#: a run that reads no model peaks near 110 MB (a million-node YAML stopped at the node limit); one
#: that builds an 8B model from the catalogue (torch and transformers imported) near 350-420 MB
MAX_RSS_MB = 768

#: committed file -> (rule, "line:col", words of the message), or None when the file is skipped
COMMITTED: dict[str, tuple[str, str, str] | str | None] = {
    # malformed and truncated
    "truncated.yaml": ("LL001", "4:1", "expected ',' or ']'"),
    "crlf_truncated.yaml": ("LL001", "4:1", "expected the node content"),
    "unclosed_quote.yaml": ("LL001", "4:1", "while scanning a quoted scalar"),
    "malformed.yaml": ("LL001", "5:2", "invalid YAML"),
    "two_documents.yaml": ("LL001", "3:1", "expected a single document"),
    "truncated_adapter_config.json": ("LL001", "5:1", "invalid JSON"),
    "trailing_comma_adapter_config.json": ("LL001", "4:1", "Expecting property name"),
    "unquoted_key_adapter_config.json": ("LL001", "2:3", "Expecting property name"),
    "empty_adapter_config.json": ("LL001", "1:1", "invalid JSON"),
    "duplicate_keys_adapter_config.json": ("LL002", "3:3", "duplicate key `r`"),
    # tabs, BOM, line endings, encodings
    "tabs.yaml": ("LL001", "4:1", "found character '\\t'"),
    "tab_after_key.yaml": ("LL001", "1:3", "found character '\\t'"),
    "bom.yaml": ("LL102", "4:1", "unknown key `lora_dropuot`"),
    "bom_adapter_config.json": ("LL102", "3:3", "unknown key `lora_alhpa`"),
    "crlf.yaml": ("LL102", "4:1", "unknown key `lora_dropuot`"),
    "crlf_adapter_config.json": ("LL102", "3:3", "unknown key `lora_alhpa`"),
    "cr_only.yaml": ("LL102", "4:1", "unknown key `lora_dropuot`"),
    "latin1.yaml": ("LL001", "1:4", "not valid UTF-8 (byte 0xe9)"),
    "non_utf8_adapter_config.json": ("LL001", "3:27", "not valid UTF-8 (byte 0xff)"),
    "utf16_adapter_config.json": ("LL001", "1:1", "file is UTF-16"),
    "nul_bytes.yaml": ("LL001", "2:15", "unacceptable character #x0000"),
    "control_chars_in_values.yaml": ("LL102", "4:1", "unknown key `lora_\\x1b[31mdropout`"),
    # empty, or not a mapping
    "empty.yaml": None,
    "whitespace_only.yaml": None,
    "comments_only.yaml": None,
    "scalar.yaml": None,
    "list.yaml": ("LL004", "1:1", "top level is a list"),
    "list_adapter_config.json": ("LL004", "1:1", "found a list"),
    "scalar_adapter_config.json": ("LL004", "1:1", "found a string"),
    "number_adapter_config.json": ("LL004", "1:1", "found a number"),
    "null_adapter_config.json": ("LL004", "1:1", "found nothing"),
    # alias bombs
    "billion_laughs.yaml": ("LL001", "4:50", f"more than {limits.MAX_NODES} nodes"),
    "merge_key_bomb.yaml": ("LL001", "4:40", f"more than {limits.MAX_NODES} nodes"),
    "duplicate_key_alias_bomb.yaml": ("LL001", "4:61", f"more than {limits.MAX_NODES} nodes"),  # was 45 s
    "recursive_alias.yaml": ("LL001", "3:17", f"nested deeper than {limits.MAX_DEPTH} levels"),
    # tags that construct Python objects, and other tags
    "python_object_apply.yaml": ("LL001", "3:17", "python/object/apply:os.system' is not allowed"),
    "python_object_new.yaml": ("LL001", "2:13", "python/object/new:subprocess.Popen' is not allowed"),
    "python_object_in_anchor.yaml": ("LL001", "3:7", "python/object/apply:os.system' is not allowed"),
    "python_name.yaml": ("LL001", "1:4", "python/name:os.system' is not allowed"),
    "python_module.yaml": ("LL001", "4:8", "python/module:antigravity' is not allowed"),
    "python_object_key.yaml": ("LL001", "4:3", "mapping keys must be plain scalars"),
    "unhashable_key.yaml": ("LL001", "4:3", "mapping keys must be plain scalars"),
    "custom_tag.yaml": ("LL001", "1:4", "YAML tag '!Ref' is not allowed"),
    "bad_int_tag.yaml": ("LL001", "1:4", "invalid value"),
    "bad_float_tag.yaml": ("LL001", "2:13", "invalid value"),
    "bad_binary.yaml": ("LL001", "4:7", "base64"),
    "bad_timestamp.yaml": ("LL001", "4:7", "month must be in 1..12"),
    "bad_timestamp_tagged.yaml": ("LL001", "2:13", "is not a valid timestamp"),  # found by the fuzzer
    # wrong types everywhere
    "wrong_types.yaml": ("LL101", "2:4", '`r` must be a positive integer, got a string "8"'),
    "wrong_types_adapter_config.json": ("LL101", "4:8", '`r` must be a positive integer, got a string "8"'),
    "nulls.yaml": ("LL101", "2:3", "`r` must be a positive integer, got null"),
    "nulls_adapter_config.json": ("LL101", "4:8", "`r` must be a positive integer, got null"),
    "nested_wrong_types.yaml": ("LL101", "3:5", "entry 1 of `target_modules` must be a string"),
    "huge_numbers.yaml": ("LL101", "2:13", "`lora_alpha` must be a number"),
    "odd_scalars.yaml": ("LL101", "3:15", "`lora_dropout` must be < 1, got 10.5"),
    "peft_section_wrong_types.yaml": ("LL101", "4:19", "`target_modules` must be a list of module names"),
    "axolotl_wrong_types.yaml": ("LL101", "3:9", '`lora_r` must be a positive integer, got a string "8"'),
    "llamafactory_wrong_types.yaml": ("LL101", "4:14", "`lora_target` must be comma-separated module names"),
    "llamafactory_v1_wrong_types.yaml": ("LL101", "4:19", "`peft_config.target_modules` must be"),
    "torchtune_wrong_types.yaml": ("LL101", "4:22", "`model.apply_lora_to_mlp` must be true or false"),
    "torchtune_component_not_string.yaml": ("LL101", "2:16", "`model._component_` must be a builder's dotted"),
    "trl_wrong_types.yaml": ("LL101", "3:9", "`lora_r` must be a positive integer, got null"),
    "unsloth_wrong_types.yaml": None,  # `lora: 5` alone names no framework's LoRA settings
    "unsloth_wrong_types_2.yaml": ("LL101", "3:19", "`target_modules` must be a list of module names"),
    "bad_regex.yaml": ("LL103", "5:1", "`layers_pattern` needs `layers_to_transform`"),
    "redos_regex.yaml": ("LL201", "1:1", "no base model named"),
    # model references that must not be followed anywhere
    "ref_not_string_adapter_config.json": ("LL101", "2:30", "must be a Hub id, a local path, or null"),
    "ref_control_chars_adapter_config.json": ("LL201", "2:30", "not a usable name"),
    "ref_url_adapter_config.json": ("LL201", "2:30", "is neither a local directory nor a Hub model id"),
    "ref_file_url_adapter_config.json": ("LL201", "2:30", "is neither a local directory nor a Hub model id"),
    "ref_missing_absolute_adapter_config.json": ("LL201", "2:30", "neither a local directory nor a Hub model"),
    "ref_outside_file_adapter_config.json": ("LL201", "2:30", "neither a local directory nor a Hub model id"),
    "ref_outside_repo_adapter_config.json": ("LL201", "2:30", "has no config.json"),
    "ref_traversal_id_adapter_config.json": ("LL201", "2:30", "neither a local directory nor a Hub model id"),
    "ref_dev_zero_adapter_config.json": ("LL201", "2:30", "neither a local directory nor a Hub model id"),
    # the other `_component_`s (os.system...) are text; the model builder resolves from the catalogue
    "torchtune_component_evil.yaml": "clean",
}

#: generated file -> expectation (as above)
GENERATED: dict[str, tuple[str, str, str] | None] = {
    "huge_adapter_config.json": ("LL001", "1:1", f"larger than the {limits.MAX_FILE_BYTES}-byte limit"),
    "huge_lora.json": ("LL001", "1:1", f"larger than the {limits.MAX_FILE_BYTES}-byte limit"),
    "huge_lora.yaml": ("LL001", "1:1", f"larger than the {limits.MAX_FILE_BYTES}-byte limit"),
    "tokenizer.json": None,  # 10 MB, no LoRA key: skipped like any other file
    "huge_tokenizer.json": None,
    "long_line_adapter_config.json": ("LL102", "1:95", "unknown key `padding`"),
    "long_line_minified_adapter_config.json": ("LL102", "1:3145780", "unknown key `lora_alhpa`"),
    "long_line.yaml": ("LL102", "4:1", "unknown key `note`"),
    "long_key.yaml": ("LL001", "4:2097153", "could not find expected ':'"),
    "many_targets_adapter_config.json": ("LL201", "1:1", "no base model named"),
    "many_targets.yaml": ("LL201", "1:1", "no base model named"),
    "too_many_targets_adapter_config.json": ("LL001", "1:28", f"more than the limit of {limits.MAX_ENTRIES}"),
    "too_many_targets.yaml": ("LL001", "3:17", f"more than the limit of {limits.MAX_ENTRIES}"),
    "wide_mapping_adapter_config.json": ("LL001", "1:56", f"more than the limit of {limits.MAX_ENTRIES}"),
    "many_nodes.yaml": ("LL001", "99995:3", f"more than {limits.MAX_NODES} nodes"),
    "many_nodes_nested.yaml": ("LL001", "10004:3", f"more than {limits.MAX_NODES} nodes"),
    "deep_adapter_config.json": ("LL001", "1:108", f"nested deeper than {limits.MAX_DEPTH} levels"),
    "deep_objects_adapter_config.json": ("LL001", "1:393", f"nested deeper than {limits.MAX_DEPTH} levels"),
    "deep_flow.yaml": ("LL001", "4:67", f"nested deeper than {limits.MAX_DEPTH} levels"),
    "deep_block.yaml": ("LL001", "68:129", f"nested deeper than {limits.MAX_DEPTH} levels"),
    "deep_unclosed.yaml": ("LL001", "3:67", f"nested deeper than {limits.MAX_DEPTH} levels"),
    "deep_unclosed_adapter_config.json": ("LL001", "1:78", f"nested deeper than {limits.MAX_DEPTH} levels"),
    "ref_10000_chars_adapter_config.json": ("LL201", "2:30", "not a usable name"),
    "ref_10000_path_adapter_config.json": ("LL201", "2:30", "not a usable name"),
    # things git cannot hold
    "broken_link_adapter_config.json": ("LL001", "1:1", "cannot read: a broken symbolic link"),
    "loop_adapter_config.json": ("LL001", "1:1", "cannot read: a symbolic link loop"),
    "ping.yaml": ("LL001", "1:1", "cannot read: a symbolic link loop"),
    "adapter_config.json/": None,  # a directory named like a config: walked, holds no config
    "config.yaml/": None,
    "fifo_adapter_config.json": ("LL001", "1:1", "not a regular file (a FIFO)"),
    "fifo.yaml": ("LL001", "1:1", "not a regular file (a FIFO)"),
    "zero_adapter_config.json": ("LL001", "1:1", "not a regular file (a device)"),
    "null.yaml": ("LL001", "1:1", "not a regular file (a device)"),
    "ref_fifo_model_adapter_config.json": ("LL201", "1:29", "fifo-model has no config.json"),
    "ref_zero_model_adapter_config.json": ("LL201", "1:29", "zero-model has no config.json"),
    "ref_dir_model_adapter_config.json": ("LL201", "1:29", "dir-model has no config.json"),
    "ref_loop_model_adapter_config.json": ("LL201", "1:29", "loop-model has no config.json"),
}
UNREADABLE = ("unreadable_adapter_config.json", "unreadable.yaml")


def check_run(
    path: Path, expected: tuple[str, str, str] | str | None, *, cwd: Path, drop: list[str] | None = None
) -> None:
    """Lint `path` alone with the real CLI and hold the run to the expectation and the bounds.

    `drop` is a command prefix that runs the CLI as another user (`as_nobody()`)."""
    args = ("--format", "concise", "--no-cache", str(path))
    if not drop:
        result = run_cli_measured(*args, cwd=cwd, timeout=MAX_SECONDS)
        assert not result.timed_out, f"{path.name}: still running after {MAX_SECONDS}s"
        assert result.max_rss_mb < MAX_RSS_MB, f"{path.name}: peak memory {result.max_rss_mb:.0f} MB"
        code, stdout, stderr = result.code, result.stdout, result.stderr
    else:  # as another user (root reads every file, so "unreadable" needs someone else)
        env = {**os.environ, "HOME": str(cwd), "HF_HOME": str(cwd / "hf"), "LORA_LINT_CACHE_DIR": str(cwd / "c")}
        proc = subprocess.run(
            [*drop, sys.executable, "-m", "linter", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=MAX_SECONDS,
            stdin=subprocess.DEVNULL,
        )
        code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    assert code in (0, 1), (path.name, code, stdout, stderr)
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    if expected is None:
        assert code == 0 and "(0 LoRA configs)" in stdout, (path.name, stdout)
        return
    if expected == "clean":
        assert code == 0 and "All checks passed (1 LoRA config)" in stdout, (path.name, stdout)
        return
    rule, position, words = expected
    lines = [line for line in stdout.splitlines() if f":{position}: {rule} " in line]
    assert lines, f"{path.name}: no {rule} at {position} in\n{stdout}"
    assert any(words in line for line in lines), f"{path.name}: {words!r} not in {lines}"
    errors = re.search(r"Found (\d+) errors?", stdout)
    assert code == (1 if errors and int(errors.group(1)) else 0), (code, stdout)


def test_every_committed_bad_input_has_an_expectation() -> None:
    committed = {p.name for p in BAD.iterdir() if p.is_file() and p.suffix in (".json", ".yaml")}
    assert committed == set(COMMITTED)


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_committed_bad_input(name: str) -> None:
    check_run(BAD / name, COMMITTED[name], cwd=BAD)


@pytest.fixture(scope="module")
def generated() -> Iterator[dict[str, Path]]:
    """The generated inputs, in a directory every user can enter (for the unreadable-file runs)."""
    out = Path(tempfile.mkdtemp(prefix="lora-lint-bad-inputs-"))
    out.chmod(0o755)
    made = generate(out / "files")
    (out / "files").chmod(0o755)
    (out / "files" / "special").chmod(0o755)
    yield made
    for path in sorted(out.rglob("*"), reverse=True):
        if path.is_symlink() or not path.is_dir():
            path.unlink()
        else:
            path.chmod(0o755)
    shutil.rmtree(out)


def test_the_generator_makes_every_expected_file(generated: dict[str, Path]) -> None:
    assert set(generated) == set(GENERATED) | set(UNREADABLE) | {"loop_dir"}
    assert generated["huge_adapter_config.json"].stat().st_size == 50 * 1024 * 1024


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_bad_input(generated: dict[str, Path], name: str) -> None:
    check_run(generated[name], GENERATED[name], cwd=generated[name].parent)


@pytest.mark.parametrize("name", UNREADABLE)
def test_unreadable_file(generated: dict[str, Path], name: str) -> None:
    path = generated[name]
    # root reads any file: run as `nobody` then, to whom the permission bits apply
    check_run(path, ("LL001", "1:1", "cannot read: permission denied"), cwd=path.parent.parent, drop=as_nobody())


def test_a_directory_symlink_loop_is_not_followed(generated: dict[str, Path]) -> None:
    special = generated["loop_dir"].parent
    result = run_cli_measured("--format", "json", "--no-cache", ".", cwd=special, timeout=MAX_SECONDS)
    assert result.code in (0, 1) and not result.timed_out, result.stderr
    paths = [f["path"] for f in result.json()["files"]]
    assert not [p for p in paths if p.startswith("loop_dir")], paths  # never walked into
    assert len(paths) == len(set(paths))


def test_a_directory_that_cannot_be_listed_is_said_not_skipped_silently() -> None:
    base = Path(tempfile.mkdtemp(prefix="lora-lint-closed-"))
    try:
        base.chmod(0o755)
        (base / "open").mkdir()
        (base / "open" / "adapter_config.json").write_text('{"r": 8, "lora_alhpa": 16}\n')
        closed = base / "closed"
        closed.mkdir()
        (closed / "adapter_config.json").write_text('{"r": 8, "lora_alhpa": 16}\n')
        closed.chmod(0)
        drop = as_nobody()
        env = {**os.environ, "HOME": str(base), "HF_HOME": str(base / "hf"), "LORA_LINT_CACHE_DIR": str(base / "c")}
        proc = subprocess.run(
            [*drop, sys.executable, "-m", "linter", "--format", "json", "--no-cache", "."],
            cwd=base,
            env=env,
            capture_output=True,
            text=True,
            timeout=MAX_SECONDS,
            stdin=subprocess.DEVNULL,
        )
        assert proc.returncode == 0, proc.stderr  # a warning (LL102) in the open directory
        report = json.loads(proc.stdout)
        assert [f["path"] for f in report["files"]] == ["open/adapter_config.json"]
        assert report["notes"] == ["cannot list closed: permission denied; the configs in it were not checked"]
    finally:
        (base / "closed").chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)
