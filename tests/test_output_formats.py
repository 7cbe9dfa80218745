"""The CI and terminal formats: concise, GitHub annotations, SARIF, --output-file, colour, progress.

Run as users run them: a real subprocess (`run_cli`), or a real pseudo-terminal where the behaviour
depends on one (colour in `auto`, the progress bar).
"""

from __future__ import annotations

import json
import os
import pty
import select
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from linter.diagnostics import Diagnostic, Level, Span
from linter.docs import rule_markdown
from linter.report.github import annotation, escape_data, escape_property
from linter.rules import all_rules
from tests.support import FIXTURE_MODELS, ROOT, run_cli

LLAMA = str(FIXTURE_MODELS / "llama")
#: one error (LL304), two warnings (LL402 over the whole file, LL102), one info (LL503)
MIXED = "r: 8\nlora_alpha: 512\nlora_dropuot: 0.1\ntarget_modules: q_proj,v_proj\n"
ANSI = "\x1b["


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {"LORA_LINT_CACHE_DIR": str(tmp_path_factory.mktemp("lora-lint-cache"))}


# --------------------------------------------------------------------------- concise


def test_concise_is_one_line_per_finding_without_hints(shared_cache: dict[str, str]) -> None:
    paths = ("examples/configs/llama-regex-string.json", "examples/configs/llama-typo")
    result = run_cli("--format", "concise", *paths, env=shared_cache)
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert [line.split(" ", 2)[:2] for line in lines[:3]] == [
        ["examples/configs/llama-regex-string.json:5:21:", "LL304"],
        ["examples/configs/llama-typo/adapter_config.json:6:3:", "LL102"],
        ["examples/configs/llama-typo/adapter_config.json:7:42:", "LL301"],
    ]
    assert lines[2] == (
        "examples/configs/llama-typo/adapter_config.json:7:42: LL301 [*] `v_prj` matches no module of "
        "LlamaForCausalLM: PEFT drops it silently and trains only the other entries"
    )
    assert lines[3:] == ["Found 2 errors, 1 warning in 2 LoRA configs.", "[*] 2 fixable with the `--fix` option."]
    assert "hint:" not in result.stdout and "Adapter sizes" not in result.stdout
    quiet = run_cli("--format", "concise", "-q", *paths, env=shared_cache)
    assert quiet.stdout.splitlines() == lines[:3]


# --------------------------------------------------------------------------- GitHub annotations


ONE_LINE = Span(3, 5, 3, 12)


def _diagnostic(message: str, level: Level = Level.ERROR, span: Span = ONE_LINE, hint=None) -> Diagnostic:
    return Diagnostic("x.yaml", span, "LL301", "unmatched-target-module", level, message, hint)


def test_github_escaping_follows_the_actions_toolkit() -> None:
    assert escape_data("50% of r\r\nnext: a,b") == "50%25 of r%0D%0Anext: a,b"
    assert escape_property("dir: a,b/100%.yaml\n") == "dir%3A a%2Cb/100%25.yaml%0A"
    line = annotation(_diagnostic("rank: 50%, then\nmore", hint="use a,b"), "cfg/a,b: c%.yaml")
    assert line == (
        "::error file=cfg/a%2Cb%3A c%25.yaml,line=3,col=5,endLine=3,endColumn=12,title=lora-lint (LL301)"
        "::rank: 50%25, then%0Amore%0Ahint: use a,b"
    )
    # the runner drops an annotation with columns that spans lines: no col / endColumn then
    multi = annotation(_diagnostic("m", Level.WARNING, Span(1, 1, 5, 1)), "x.yaml")
    assert multi == "::warning file=x.yaml,line=1,endLine=5,title=lora-lint (LL301)::m"
    assert annotation(_diagnostic("m", Level.INFO), "x.yaml").startswith("::notice file=x.yaml,")


def test_github_annotations_errors_first_escaped_file_names(tmp_path: Path, shared_cache: dict[str, str]) -> None:
    (tmp_path / "odd, name: 100%.yaml").write_text(MIXED)
    result = run_cli("--format", "github", "--model", LLAMA, ".", cwd=tmp_path, env=shared_cache)
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning", "::warning", "::notice"]
    file = "file=odd%2C name%3A 100%25.yaml"
    assert lines[0].startswith(f"::error {file},line=4,col=17,endLine=4,endColumn=30,title=lora-lint (LL304)::")
    assert lines[0].endswith("matches no module%0Ahint: write a list: [q_proj, v_proj]")
    assert lines[1].startswith(f"::warning {file},line=1,endLine=5,title=lora-lint (LL402)::")  # whole file
    assert lines[2].startswith(f"::warning {file},line=3,col=1,endLine=3,endColumn=13,title=lora-lint (LL102)::")
    assert lines[3].startswith(f"::notice {file},line=2,col=13,endLine=2,endColumn=16,title=lora-lint (LL503)::")
    assert all("\r" not in line for line in lines)


def test_github_format_is_the_default_under_github_actions(tmp_path: Path, shared_cache: dict[str, str]) -> None:
    (tmp_path / "lora.yaml").write_text(MIXED)
    args = ("--model", LLAMA, "lora.yaml")
    actions = run_cli(*args, cwd=tmp_path, env={**shared_cache, "GITHUB_ACTIONS": "true"})
    assert actions.code == 1 and actions.stdout.startswith("::error file=lora.yaml,line=4,")
    assert all(line.startswith("::") for line in actions.stdout.splitlines())
    chosen = run_cli("--format", "text", *args, cwd=tmp_path, env={**shared_cache, "GITHUB_ACTIONS": "true"})
    assert chosen.stdout.startswith("lora.yaml:1:1: LL402 ")
    elsewhere = run_cli(*args, cwd=tmp_path, env={**shared_cache, "GITHUB_ACTIONS": "false"})
    assert elsewhere.stdout.startswith("lora.yaml:1:1: LL402 ")


def test_github_paths_are_relative_to_the_repository_root(tmp_path: Path, shared_cache: dict[str, str]) -> None:
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "configs" / "lora"
    sub.mkdir(parents=True)
    (sub / "a.yaml").write_text(MIXED)
    result = run_cli("--format", "github", "--model", LLAMA, "a.yaml", cwd=sub, env=shared_cache)
    assert result.stdout.startswith("::error file=configs/lora/a.yaml,line=4,")


# --------------------------------------------------------------------------- SARIF

# No installed package ships the SARIF 2.1.0 JSON schema (searched site-packages for it; check-jsonschema
# vendors other schemas only), and tests have no network beyond PyPI. So the schema below is a
# transcription of the official one (oasis-tcs/sarif-spec, Schemata/sarif-schema-2.1.0.json, draft-04)
# for every object lora-lint writes, with its types, enums, minimums, required properties and
# `additionalProperties: false`; `_github_requirements` then checks what GitHub's "SARIF support for
# code scanning" page requires on top (non-empty values, description lengths, locations, regions).
_MESSAGE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}, "id": {"type": "string"}},
    "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
}
_MULTIFORMAT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}, "properties": {"type": "object"}},
    "required": ["text"],
}
_LEVEL = {"enum": ["none", "note", "warning", "error"], "type": "string"}
_PROPERTY_BAG = {
    "type": "object",
    "additionalProperties": True,
    "properties": {"tags": {"type": "array", "uniqueItems": True, "items": {"type": "string"}}},
}
SARIF_SUBSET = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string"},
        "version": {"enum": ["2.1.0"], "type": "string"},
        "runs": {"type": "array", "items": {"$ref": "#/definitions/run"}},
    },
    "definitions": {
        "run": {
            "type": "object",
            "additionalProperties": False,
            "required": ["tool"],
            "properties": {
                "tool": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["driver"],
                    "properties": {"driver": {"$ref": "#/definitions/toolComponent"}},
                },
                "invocations": {"type": "array", "items": {"$ref": "#/definitions/invocation"}},
                "originalUriBaseIds": {
                    "type": "object",
                    "additionalProperties": {"$ref": "#/definitions/artifactLocation"},
                },
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"], "type": "string"},
                "results": {"type": "array", "items": {"$ref": "#/definitions/result"}},
            },
        },
        "toolComponent": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "version": {"type": "string"},
                "semanticVersion": {"type": "string"},
                "informationUri": {"type": "string"},
                "rules": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"$ref": "#/definitions/reportingDescriptor"},
                },
            },
        },
        "reportingDescriptor": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "shortDescription": _MULTIFORMAT,
                "fullDescription": _MULTIFORMAT,
                "help": _MULTIFORMAT,
                "helpUri": {"type": "string"},
                "defaultConfiguration": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "enabled": {"type": "boolean"},
                        "level": _LEVEL,
                        "rank": {"type": "number", "minimum": -1.0, "maximum": 100.0},
                    },
                },
                "properties": _PROPERTY_BAG,
            },
        },
        "invocation": {
            "type": "object",
            "additionalProperties": False,
            "required": ["executionSuccessful"],
            "properties": {
                "executionSuccessful": {"type": "boolean"},
                "workingDirectory": {"$ref": "#/definitions/artifactLocation"},
                "toolExecutionNotifications": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["message"],
                        "properties": {"message": _MESSAGE, "level": _LEVEL},
                    },
                },
            },
        },
        "artifactLocation": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "uri": {"type": "string"},
                "uriBaseId": {"type": "string"},
                "index": {"type": "integer", "minimum": -1},
            },
        },
        "region": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "startLine": {"type": "integer", "minimum": 1},
                "startColumn": {"type": "integer", "minimum": 1},
                "endLine": {"type": "integer", "minimum": 1},
                "endColumn": {"type": "integer", "minimum": 1},
            },
            "anyOf": [{"required": ["startLine"]}],
        },
        "result": {
            "type": "object",
            "additionalProperties": False,
            "required": ["message"],
            "properties": {
                "ruleId": {"type": "string"},
                "ruleIndex": {"type": "integer", "minimum": -1},
                "level": _LEVEL,
                "message": _MESSAGE,
                "locations": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "physicalLocation": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {
                                    "artifactLocation": {"$ref": "#/definitions/artifactLocation"},
                                    "region": {"$ref": "#/definitions/region"},
                                },
                                "anyOf": [{"required": ["artifactLocation"]}],
                            }
                        },
                    },
                },
                "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                "fixes": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["artifactChanges"],
                        "properties": {
                            "description": _MESSAGE,
                            "artifactChanges": {
                                "type": "array",
                                "minItems": 1,
                                "uniqueItems": True,
                                "items": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "required": ["artifactLocation", "replacements"],
                                    "properties": {
                                        "artifactLocation": {"$ref": "#/definitions/artifactLocation"},
                                        "replacements": {
                                            "type": "array",
                                            "minItems": 1,
                                            "items": {
                                                "type": "object",
                                                "additionalProperties": False,
                                                "required": ["deletedRegion"],
                                                "properties": {
                                                    "deletedRegion": {"$ref": "#/definitions/region"},
                                                    "insertedContent": {
                                                        "type": "object",
                                                        "additionalProperties": False,
                                                        "properties": {"text": {"type": "string"}},
                                                    },
                                                },
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def _github_requirements(log: dict) -> None:
    """GitHub's required properties (linter-conventions.md §4.1): present and never empty."""
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "lora-lint" and driver["version"] and driver["informationUri"].startswith("https://")
    ids = [rule["id"] for rule in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert rule["id"] and rule["name"] and len(rule["name"]) <= 255
        for key in ("shortDescription", "fullDescription"):
            assert 0 < len(rule[key]["text"]) <= 1024, (rule["id"], key)
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("note", "warning", "error")
        assert rule["properties"]["tags"]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")
    assert isinstance(run["results"], list)
    for result in run["results"]:
        assert result["message"]["text"]
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert 1 <= len(result["locations"]) <= 10
        physical = result["locations"][0]["physicalLocation"]
        artifact = physical["artifactLocation"]
        assert artifact["uri"] and not artifact["uri"].startswith(("/", "file:")) and "\\" not in artifact["uri"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        region = physical["region"]
        assert {"startLine", "startColumn", "endLine", "endColumn"} <= set(region)
        assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])
        assert result["partialFingerprints"]["primaryLocationLineHash"]


def _sarif(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> dict:
    result = run_cli("--format", "sarif", *args, cwd=cwd, env=env)
    assert result.code in (0, 1), result.stderr
    return result.json()


def test_sarif_is_valid_and_complete_for_github_code_scanning(shared_cache: dict[str, str]) -> None:
    log = _sarif("examples/", env=shared_cache)
    jsonschema.Draft4Validator.check_schema(SARIF_SUBSET)
    jsonschema.Draft4Validator(SARIF_SUBSET).validate(log)
    _github_requirements(log)
    run = log["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert list(rules) == list(all_rules())  # every rule, in a stable order: ruleIndex stays stable
    ll301 = rules["LL301"]
    assert ll301["name"] == "unmatched-target-module"
    assert ll301["shortDescription"]["text"] == all_rules()["LL301"].summary
    assert ll301["fullDescription"]["text"].startswith("An entry of `target_modules` that matches no module")
    assert ll301["help"]["markdown"] == rule_markdown(all_rules()["LL301"])
    assert rules["LL407"]["defaultConfiguration"]["level"] == "note"  # info
    # this repository's root is the base; the URIs are relative to it
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"
    by_place = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]): r for r in run["results"]
    }
    typo = by_place[("LL301", "examples/configs/llama-typo/adapter_config.json")]
    assert typo["level"] == "error"
    assert typo["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7,
        "startColumn": 42,
        "endLine": 7,
        "endColumn": 49,
    }
    assert typo["message"]["text"].endswith("\nhint: did you mean `v_proj`?")
    assert typo["fixes"][0]["artifactChanges"][0]["replacements"] == [
        {
            "deletedRegion": {"startLine": 7, "startColumn": 42, "endLine": 7, "endColumn": 49},
            "insertedContent": {"text": '"v_proj"'},
        }
    ]
    assert by_place[("LL102", "examples/configs/llama-typo/adapter_config.json")]["level"] == "warning"
    assert len(run["results"]) == 11  # the 10 findings of the tiny models and the 8B one from the catalogue


def test_sarif_uris_relative_to_the_repository_and_encoded(tmp_path: Path, shared_cache: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    sub = repo / "train" / "lora cfgs"
    sub.mkdir(parents=True)
    (repo / ".git").write_text("gitdir: elsewhere\n")  # a worktree's .git is a file
    (sub / "a,b.yaml").write_text(MIXED)
    log = _sarif("--model", LLAMA, ".", cwd=sub, env=shared_cache)
    jsonschema.Draft4Validator(SARIF_SUBSET).validate(log)
    _github_requirements(log)
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.as_uri() + "/"
    assert run["invocations"][0]["workingDirectory"]["uri"] == sub.as_uri() + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"train/lora%20cfgs/a%2Cb.yaml"}
    assert unquote(uris.pop()) == "train/lora cfgs/a,b.yaml"
    # outside a repository, the working directory is the base
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "lora.yaml").write_text(MIXED)
    log = _sarif("--model", LLAMA, ".", cwd=plain, env=shared_cache)
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == plain.as_uri() + "/"
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]} == {"lora.yaml"}


def test_sarif_fingerprints_survive_lines_added_above(tmp_path: Path, shared_cache: dict[str, str]) -> None:
    config = tmp_path / "lora.yaml"
    config.write_text("r: 8\ntarget_modules: [q_prj, v_prj]\nlayers_to_transform: [7, 9]\n")

    def fingerprints() -> dict[tuple[str, int], str]:
        run = _sarif("--model", LLAMA, "lora.yaml", cwd=tmp_path, env=shared_cache)["runs"][0]
        out = {}
        for r in run["results"]:
            region = r["locations"][0]["physicalLocation"]["region"]
            out[(r["ruleId"], region["startColumn"])] = (region["startLine"], r["partialFingerprints"])
        return out

    first = fingerprints()
    config.write_text("# a header\n# added later\n\n" + config.read_text())
    moved = fingerprints()
    assert first.keys() == moved.keys() and len(first) >= 4
    for key, (line, prints) in first.items():
        assert moved[key] == (line + 3, prints)  # three lines down, the same identity
    # two findings of one rule on one line still have distinct fingerprints
    hashes = [p["primaryLocationLineHash"] for _, p in first.values()]
    assert len(set(hashes)) == len(hashes)


# --------------------------------------------------------------------------- --output-file


def test_output_file_is_written_atomically_and_keeps_the_exit_code(
    tmp_path: Path, shared_cache: dict[str, str]
) -> None:
    target = tmp_path / "reports" / "lora-lint.sarif"
    result = run_cli(
        "--format", "sarif", "--output-file", str(target), "examples/configs/llama-typo", env=shared_cache
    )
    assert (result.code, result.stdout) == (1, "")
    assert json.loads(target.read_text())["runs"][0]["results"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    target.chmod(0o600)
    result = run_cli("-o", str(target), "examples/configs/llama-qv", env=shared_cache)
    assert (result.code, result.stdout) == (0, "")
    assert target.read_text().endswith("All checks passed (1 LoRA config).\n")
    assert ANSI not in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["lora-lint.sarif"]


# --------------------------------------------------------------------------- colour and progress


def test_color_always_never_and_no_color(shared_cache: dict[str, str]) -> None:
    typo = "examples/configs/llama-typo"
    always = run_cli("--color", "always", typo, env=shared_cache)
    assert f"{ANSI}1mexamples/configs/llama-typo/adapter_config.json{ANSI}0m:7:42: " in always.stdout
    assert f"{ANSI}31m{ANSI}1mLL301{ANSI}0m" in always.stdout  # errors in red
    assert f"{ANSI}33m{ANSI}1mLL102{ANSI}0m" in always.stdout  # warnings in yellow
    # an explicit --color always wins over NO_COLOR (as the NO_COLOR convention asks)
    assert ANSI in run_cli("--color", "always", typo, env={**shared_cache, "NO_COLOR": "1"}).stdout
    assert ANSI not in run_cli("--color", "never", typo, env=shared_cache).stdout
    assert ANSI not in run_cli(typo, env=shared_cache).stdout  # auto: stdout is a pipe here
    assert ANSI not in run_cli("--color", "always", "--format", "json", typo, env=shared_cache).stdout


def _run_on_terminal(*args: str, stdout_tty: bool, stderr_tty: bool, env: dict[str, str]) -> tuple[str, str]:
    """Run the CLI with stdout and / or stderr on a pseudo-terminal; return both outputs."""
    master, slave = pty.openpty()
    full_env = {**os.environ, **env, "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "linter", *args],
        cwd=ROOT,
        env=full_env,
        stdin=subprocess.DEVNULL,
        stdout=slave if stdout_tty else subprocess.PIPE,
        stderr=slave if stderr_tty else subprocess.PIPE,
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    out, err = proc.communicate(timeout=300)
    os.close(master)
    terminal = b"".join(chunks).decode("utf-8", "replace")
    piped = (out or b"").decode() if not stdout_tty else (err or b"").decode()
    return (terminal, piped) if stdout_tty else (piped, terminal)


def test_color_auto_on_a_terminal_unless_no_color(shared_cache: dict[str, str]) -> None:
    typo = "examples/configs/llama-typo"
    stdout, _ = _run_on_terminal(typo, stdout_tty=True, stderr_tty=False, env=shared_cache)
    assert f"{ANSI}31m{ANSI}1mLL301" in stdout
    stdout, _ = _run_on_terminal(typo, stdout_tty=True, stderr_tty=False, env={**shared_cache, "NO_COLOR": "1"})
    assert ANSI not in stdout and "LL301" in stdout


def test_progress_bar_only_on_a_terminal_while_models_are_built() -> None:
    """(Runs whose stderr is not a terminal never draw it: tests/test_fix.py checks that on cold runs.)"""
    typo = "examples/configs/llama-typo"
    _, stderr = _run_on_terminal("--no-cache", typo, stdout_tty=False, stderr_tty=True, env={})
    assert "lora-lint [------------------------] 0/1 files, building llama (AutoModelForCausalLM) on the" in stderr
    assert stderr.endswith("\r\x1b[K")  # the bar is erased at the end
    # --quiet: no bar, even while building (this run fills the inventory cache)
    _, stderr = _run_on_terminal("-q", typo, stdout_tty=False, stderr_tty=True, env={})
    assert "lora-lint [" not in stderr
    # a warm run builds nothing: no bar
    _, stderr = _run_on_terminal(typo, stdout_tty=False, stderr_tty=True, env={})
    assert "lora-lint [" not in stderr and "note:" not in stderr


def test_readme_workflow_is_a_valid_github_workflow_uploading_the_sarif() -> None:
    """The README's workflow, checked against the GitHub workflow schema check-jsonschema ships."""
    from check_jsonschema.builtin_schemas import get_builtin_schema
    from ruamel.yaml import YAML  # YAML 1.2, as GitHub reads workflows: `on` stays a key

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("# .github/workflows/lora-lint.yml\n", 1)[1].split("```", 1)[0]
    workflow = YAML(typ="safe", pure=True).load(block)
    jsonschema.Draft7Validator(get_builtin_schema("vendor.github-workflows")).validate(workflow)
    steps = workflow["jobs"]["lora-lint"]["steps"]
    lint = next(step for step in steps if "lora-lint --format sarif" in step.get("run", ""))
    assert "--output-file lora-lint.sarif" in lint["run"]
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "lora-lint.sarif"
    assert workflow["jobs"]["lora-lint"]["permissions"]["security-events"] == "write"
