"""`--fix` and `--diff` as users run them: real subprocesses, real models on the meta device.

`tests/fix_cases/<CODE>.yaml` holds named cases: the file as written (`before`), the exact file
`--fix` must leave (`after`; absent when nothing may change), and the findings that remain
(`CODE line:col`). One generator runs every case and checks, for each:

- the JSON report offers each fix as `applicability: safe` edits, and applying exactly those edits to
  `before` gives `after`: the fixed file is byte-identical outside the edited spans;
- `--diff` prints that change as a unified diff, writes nothing, and exits 1 (0 with nothing to fix);
- `--fix` writes `after`, keeps the file's mode bits, reports what remains, and a second `--fix`
  changes nothing.

Separate tests cover a file that does not parse, symlinks, the atomic write and the edge cases of
turning a replacement into text (`linter.fix.resolve`).
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from linter.diagnostics import Edit, Fix, Replacement, Span
from linter.document import parse_text
from linter.fix import apply_fixes, resolve, unified_diff, write_atomic
from tests.support import FIXTURE_MODELS, run_cli

CASES_DIR = Path(__file__).parent / "fix_cases"


def _load() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["rule"] == path.stem, path
        for case in data["cases"]:
            out.append((data["rule"], case))
    return out


CASES = _load()


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One inventory cache for the module: each fixture model is built once, not once per run."""
    return {"LORA_LINT_CACHE_DIR": str(tmp_path_factory.mktemp("lora-lint-cache"))}


def _raw(case: dict[str, Any], key: str) -> bytes | None:
    text = case.get(key)
    if text is None:
        return None
    if case.get("crlf"):
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    return codecs.BOM_UTF8 + data if case.get("bom") else data


def _offsets(text: str) -> list[int]:
    """Where each line starts (the cases use LF or CRLF line ends only)."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """The test's own application of the JSON edits: the text outside them is copied unchanged."""
    starts = _offsets(text)
    spans = []
    for edit in edits:
        start = starts[edit["line"] - 1] + edit["column"] - 1
        end = starts[edit["end_line"] - 1] + edit["end_column"] - 1
        assert text[start:end] == edit["original"], edit
        spans.append((start, end, edit["content"]))
    spans.sort()
    out, cursor = [], 0
    for start, end, content in spans:
        assert start >= cursor, "edits overlap"
        out += [text[cursor:start], content]
        cursor = end
    return "".join(out + [text[cursor:]])


def _case_id(code: str, case: dict[str, Any]) -> str:
    return f"{code}-{case['name']}"


@dataclass
class Observed:
    """What the CLI did to one case's file, run by run."""

    before: bytes
    report: dict[str, Any] = field(default_factory=dict)  # --format json, before fixing
    diff_unchanged: bool = False  # --diff left bytes and mtime alone
    diff: str = ""  # its part of the --diff output
    after: bytes = b""  # the file after --fix
    mode: int = 0
    fixed_report: dict[str, Any] = field(default_factory=dict)  # --fix --format json
    second_unchanged: bool = False  # a second --fix left bytes and mtime alone


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory, shared_cache: dict[str, str]) -> dict[str, Observed]:
    """Run every case through the real CLI: one tree per model, each case in its own folder.

    Four runs per tree (JSON report, --diff, --fix, --fix again) instead of four per case keeps the
    module fast; every assertion is still made per case, on that case's file and findings.
    """
    groups: dict[str | None, list[tuple[str, dict[str, Any]]]] = {}
    for code, case in CASES:
        groups.setdefault(case.get("model"), []).append((code, case))
    seen: dict[str, Observed] = {}
    for model, cases in groups.items():
        root = tmp_path_factory.mktemp(f"fix-{model or 'no-model'}")
        files: dict[str, Path] = {}
        for code, case in cases:
            ident = _case_id(code, case)
            path = root / ident / case.get("file", "lora.yaml")
            path.parent.mkdir()
            path.write_bytes(_raw(case, "before"))
            path.chmod(0o640)
            files[ident] = path
            seen[ident] = Observed(before=path.read_bytes())
        args = ["--model", str(FIXTURE_MODELS / model)] if model else []

        def cli(*extra: str, root: Path = root, args: list[str] = args):
            result = run_cli(*extra, *args, ".", cwd=root, env=shared_cache)
            assert result.code in (0, 1), result.stderr
            assert "Traceback" not in result.stderr
            assert "lora-lint [" not in result.stderr  # no progress bar when stderr is not a terminal
            return result

        def shown(ident: str, files: dict[str, Path] = files, root: Path = root) -> str:
            return files[ident].relative_to(root).as_posix()

        report = cli("--format", "json").json()
        stamps = {ident: (p.read_bytes(), p.stat().st_mtime_ns) for ident, p in files.items()}
        diffs = re.split(r"(?m)^(?=--- a/)", cli("--diff").stdout)
        after_diff = {ident: (p.read_bytes(), p.stat().st_mtime_ns) for ident, p in files.items()}
        fixed = cli("--fix", "--format", "json").json()
        after = {ident: (p.read_bytes(), p.stat().st_mtime_ns) for ident, p in files.items()}
        second = cli("--fix", "--format", "json").json()
        assert second["summary"]["fixed"] == 0
        for ident, path in files.items():
            item = seen[ident]
            name = shown(ident)
            item.report = {"diagnostics": [d for d in report["diagnostics"] if d["path"] == name]}
            item.diff_unchanged = stamps[ident] == after_diff[ident] and stamps[ident][0] == item.before
            item.diff = "".join(d for d in diffs if d.startswith(f"--- a/{name}\n"))
            item.after = after[ident][0]
            item.mode = stat.S_IMODE(path.stat().st_mode)
            item.fixed_report = {"diagnostics": [d for d in fixed["diagnostics"] if d["path"] == name]}
            item.second_unchanged = (path.read_bytes(), path.stat().st_mtime_ns) == after[ident]
            assert sorted(p.name for p in path.parent.iterdir()) == [path.name], "a temporary file was left behind"
    return seen


@pytest.mark.parametrize("code, case", CASES, ids=[_case_id(code, case) for code, case in CASES])
def test_fix_case(code: str, case: dict[str, Any], observed: dict[str, Observed]) -> None:
    seen = observed[_case_id(code, case)]
    before = _raw(case, "before")
    after = _raw(case, "after") or before
    name = f"{_case_id(code, case)}/{case.get('file', 'lora.yaml')}"
    assert seen.before == before

    # the findings as reported, with their fixes as text edits
    fixes = [d["fix"] for d in seen.report["diagnostics"] if d["fix"] is not None]
    assert all(f["applicability"] == "safe" and f["edits"] for f in fixes)
    assert all(d["code"] == code for d in seen.report["diagnostics"] if d["fix"] is not None)
    assert bool(fixes) == (after != before)
    text_before, text_after = before.decode("utf-8-sig"), after.decode("utf-8-sig")
    # byte-identical outside the edited spans: `after` is `before` with exactly these edits
    assert _apply_edits(text_before, [e for f in fixes for e in f["edits"]]) == text_after

    # --diff printed this change and wrote nothing
    assert seen.diff_unchanged
    expected_diff = unified_diff(text_before, text_after, name)
    assert seen.diff == expected_diff.replace("\r\n", "\n")  # run_cli reads stdout with universal newlines
    if after != before:
        assert seen.diff.startswith(f"--- a/{name}\n+++ b/{name}\n@@ ")

    # --fix wrote `after` (BOM, line ends and mode bits kept) and reported what remains
    assert seen.after == after
    assert seen.mode == 0o640
    remaining = sorted(f"{d['code']} {d['line']}:{d['column']}" for d in seen.fixed_report["diagnostics"])
    assert remaining == sorted(case.get("remaining", []))
    assert not any(d["fix"] for d in seen.fixed_report["diagnostics"])
    # and a second --fix changed nothing
    assert seen.second_unchanged


def test_fix_and_diff_exit_codes_and_counts(tmp_path: Path, shared_cache: dict[str, str]) -> None:
    config = tmp_path / "adapter_config.json"
    config.write_text('{"task_type": "CAUSAL_LM", "r": 8, "target_modules": "q_proj,v_proj", "lora_alhpa": 8}\n')
    model = ["--model", str(FIXTURE_MODELS / "llama")]
    report = run_cli("--format", "json", *model, ".", cwd=tmp_path, env=shared_cache).json()
    assert report["summary"]["fixable"] == 1
    diff = run_cli("--diff", *model, ".", cwd=tmp_path, env=shared_cache)
    assert diff.code == 1 and "Would fix 1 finding in 1 file." in diff.stderr
    fixed = run_cli("--fix", "--format", "json", *model, ".", cwd=tmp_path, env=shared_cache)
    assert fixed.code == 0  # only the LL102 warning remains
    assert fixed.json()["summary"] == {
        "files": 1,
        "errors": 0,
        "warnings": 1,
        "infos": 0,
        "fixable": 0,
        "fixed": 1,
    }
    diff = run_cli("--diff", *model, ".", cwd=tmp_path, env=shared_cache)
    assert (diff.code, diff.stdout) == (0, "")


def test_a_fix_that_uncovers_another_is_followed_by_it(tmp_path: Path, shared_cache: dict[str, str]) -> None:
    """`v_prj` as a string: LL302 makes it a list, then LL301 sees the typo; --fix goes on until nothing is left."""
    config = tmp_path / "lora.yaml"
    config.write_text("task_type: CAUSAL_LM\nr: 8\ntarget_modules: v_prj  # values only\n")
    model = ["--model", str(FIXTURE_MODELS / "llama")]
    diff = run_cli("--diff", *model, "lora.yaml", cwd=tmp_path, env=shared_cache)
    assert "+target_modules: [v_proj]  # values only\n" in diff.stdout
    assert "Would fix 2 findings in 1 file." in diff.stderr
    fixed = run_cli("--fix", *model, "lora.yaml", cwd=tmp_path, env=shared_cache)
    assert fixed.code == 0, fixed.stdout
    assert config.read_text() == "task_type: CAUSAL_LM\nr: 8\ntarget_modules: [v_proj]  # values only\n"
    assert "Fixed 2 findings in 1 file." in fixed.stdout


def test_every_fix_kind_has_cases() -> None:
    fixed = {code for code, case in CASES if case.get("after") is not None}
    unfixed = {code for code, case in CASES if case.get("after") is None}
    assert fixed == {"LL301", "LL302", "LL303", "LL304", "LL607"}
    assert unfixed == fixed  # each also shows what it must leave alone


def test_fix_text_output_and_a_file_that_does_not_parse(tmp_path: Path, shared_cache: dict[str, str]) -> None:
    broken = tmp_path / "adapter_config.json"
    broken.write_text('{"target_modules": "q_proj,v_proj", "r": 8,,}\n')
    good = tmp_path / "lora.yaml"
    good.write_text("task_type: CAUSAL_LM\nr: 8\ntarget_modules: q_proj,v_proj\n")
    broken_bytes, broken_mtime = broken.read_bytes(), broken.stat().st_mtime_ns
    model = str(FIXTURE_MODELS / "llama")
    checked = run_cli("--model", model, ".", cwd=tmp_path, env=shared_cache)
    assert "lora.yaml:3:17: LL304 [*] `target_modules` is one comma-joined string" in checked.stdout
    assert checked.stdout.splitlines()[-1] == "[*] 1 fixable with the `--fix` option."
    result = run_cli("--fix", "--model", model, ".", "adapter_config.json", cwd=tmp_path, env=shared_cache)
    assert result.code == 1  # the parse error remains
    assert broken.read_bytes() == broken_bytes and broken.stat().st_mtime_ns == broken_mtime
    assert good.read_text() == "task_type: CAUSAL_LM\nr: 8\ntarget_modules: [q_proj, v_proj]\n"
    lines = result.stdout.splitlines()
    assert lines[0].startswith("adapter_config.json:1:44: LL001 ")
    assert lines[-2:] == ["Fixed 1 finding in 1 file.", "Found 1 error, 0 warnings in 2 LoRA configs."]


def test_fix_never_writes_through_a_symlink_out_of_the_tree(tmp_path: Path, shared_cache: dict[str, str]) -> None:
    outside = tmp_path / "outside" / "shared.yaml"
    outside.parent.mkdir()
    outside.write_text("task_type: CAUSAL_LM\nr: 8\ntarget_modules: q_proj,v_proj\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "escape.yaml").symlink_to(outside)
    inside = tree / "real.yaml"
    inside.write_text("task_type: CAUSAL_LM\nr: 8\ntarget_modules: k_proj,v_proj\n")
    (tree / "alias.yaml").symlink_to("real.yaml")
    model = str(FIXTURE_MODELS / "llama")
    result = run_cli("--fix", "--model", model, "escape.yaml", "alias.yaml", cwd=tree, env=shared_cache)
    assert outside.read_text() == "task_type: CAUSAL_LM\nr: 8\ntarget_modules: q_proj,v_proj\n"
    assert f"escape.yaml: not fixed: it is a symlink to {outside.resolve()}, outside the linted tree" in result.stderr
    # a link inside the tree: its target is fixed and the link stays a link
    assert (tree / "alias.yaml").is_symlink()
    assert inside.read_text() == "task_type: CAUSAL_LM\nr: 8\ntarget_modules: [k_proj, v_proj]\n"
    assert result.code == 1 and "escape.yaml:3:17: LL304" in result.stdout


def test_diff_exit_codes_and_output_file(tmp_path: Path, shared_cache: dict[str, str]) -> None:
    config = tmp_path / "lora.yaml"
    config.write_text("r: 8\ntarget_modules: q_proj,v_proj  # two\n")
    result = run_cli("--diff", "-q", "-o", "out/fix.diff", "lora.yaml", cwd=tmp_path, env=shared_cache)
    assert (result.code, result.stdout, result.stderr) == (1, "", "")
    assert (tmp_path / "out" / "fix.diff").read_text() == (
        "--- a/lora.yaml\n+++ b/lora.yaml\n@@ -1,2 +1,2 @@\n r: 8\n"
        "-target_modules: q_proj,v_proj  # two\n+target_modules: [q_proj, v_proj]  # two\n"
    )
    assert config.read_text() == "r: 8\ntarget_modules: q_proj,v_proj  # two\n"
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "lora.yaml").write_text("r: 8\ntarget_modules: [q_proj]\n")
    result = run_cli("--diff", ".", cwd=clean, env=shared_cache)
    assert (result.code, result.stdout) == (0, "")
    assert "No fixes available." in result.stderr


# --------------------------------------------------------------------------- in-process edge cases


def _doc(text: str, fmt: str = "yaml"):
    return parse_text(text, Path(f"x.{fmt}"), fmt)


@pytest.mark.parametrize(
    "text, pointer, replaces, value, expected",
    [
        # a plain scalar that would not read back as a string is quoted
        ("t: [q, v_prj]\n", ("t", 1), "v_prj", "on", 't: [q, "on"]\n'),
        ("t: [q, v_prj]\n", ("t", 1), "v_prj", "1", 't: [q, "1"]\n'),
        # a single quote inside single quotes is doubled
        ("t: ['a']\n", ("t", 0), "a", "it's", "t: ['it''s']\n"),
        # a JSON replacement is always a JSON string
        ('{"t": ["a"]}', ("t", 0), "a", "b", '{"t": ["b"]}'),
        # flow mappings stay valid
        ("{t: q_proj, r: 8}\n", ("t",), "q_proj", ["q_proj"], "{t: [q_proj], r: 8}\n"),
    ],
)
def test_resolve_renders_in_the_files_style(text, pointer, replaces, value, expected) -> None:
    doc = _doc(text, "json" if text.startswith('{"') else "yaml")
    fix = resolve(Replacement(replaces, value, "m"), pointer, doc)
    assert fix is not None
    new, applied = apply_fixes(text, [fix])
    assert (new, applied) == (expected, [fix])


@pytest.mark.parametrize(
    "text, pointer, replaces, value",
    [
        ("t: |\n  q_proj\n", ("t",), "q_proj\n", ["q_proj"]),  # a block scalar
        ("t: !!str q_proj\n", ("t",), "q_proj", ["q_proj"]),  # a tag
        ("a: &x q_proj\nt: *x\n", ("t",), "q_proj", ["q_proj"]),  # an alias: the anchor would change too
        ("t: [a, b]\n", ("t", 0), "b", "c"),  # the value is not what the rule saw
        ("t: [a, b]\n", ("t", 5), "a", "c"),  # no such entry
        ("t: [a,  # note\n  b]\n", ("t",), ["a", "b"], "all-linear"),  # a comment would be deleted
        ("t: q_proj\n", ("t",), "q_proj", {"not": "a name"}),  # not a string or a list of strings
    ],
)
def test_resolve_refuses_what_it_cannot_write_exactly(text, pointer, replaces, value) -> None:
    assert resolve(Replacement(replaces, value, "m"), pointer, _doc(text)) is None


def test_resolve_never_fixes_a_document_that_did_not_parse() -> None:
    doc = _doc("t: [a, b\n")
    assert doc.error is not None
    assert resolve(Replacement("a", "c", "m"), ("t", 0), doc) is None


def test_apply_fixes_skips_overlaps_and_stale_edits() -> None:
    text = "abcdef\n"
    first = Fix("1", (Edit(Span(1, 1, 1, 4), "X", "abc"),))
    overlapping = Fix("2", (Edit(Span(1, 3, 1, 5), "Y", "cd"),))
    stale = Fix("3", (Edit(Span(1, 5, 1, 7), "Z", "zz"),))
    after = Fix("4", (Edit(Span(1, 4, 1, 5), "W", "d"),))
    new, applied = apply_fixes(text, [overlapping, stale, after, first])
    assert new == "XWef\n"
    assert applied == [first, after]


def test_write_atomic_keeps_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "f.yaml"
    target.write_text("old")
    target.chmod(0o751)
    write_atomic(target, b"new", stat.S_IMODE(target.stat().st_mode))
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o751
    fresh = tmp_path / "new.txt"
    write_atomic(fresh, b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.yaml", "new.txt"]
