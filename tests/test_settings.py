"""Controls through the real CLI: settings precedence, selection, suppressions, exit behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.docs import rules_page
from linter.selection import RuleSelection, Suppressions, path_matches
from tests.support import ROOT, run_cli

# Findings without a model: LL102 (warning), LL201 (warning: no model named), LL304 (error),
# LL503 (info).
CONFIG = """\
r: 64
lora_alhpa: 8
lora_alpha: 4
target_modules: q_proj,v_proj
"""


def _codes(result) -> list[str]:
    return sorted(d["code"] for d in result.json()["diagnostics"])


def _project(tmp_path: Path, table: str = "", config: str = CONFIG) -> Path:
    (tmp_path / "configs").mkdir(exist_ok=True)
    (tmp_path / "configs" / "lora.yaml").write_text(config)
    if table:
        (tmp_path / "pyproject.toml").write_text("[tool.lora-lint]\n" + table)
    return tmp_path


def test_selection_is_most_specific_wins() -> None:
    from linter.rules import all_rules

    rules = all_rules()
    ll301, ll302, ll407 = rules["LL301"], rules["LL302"], rules["LL407"]
    assert RuleSelection(None).enabled(ll301)
    assert not RuleSelection(None).enabled(ll407)  # opt-in
    assert not RuleSelection(["LL"]).enabled(ll407)  # a prefix does not select an opt-in rule
    assert RuleSelection(["LL407"]).enabled(ll407)
    assert RuleSelection(None, ["classification-ffn-targets"]).enabled(ll407)
    assert not RuleSelection(["LL3"], ignore=["LL301"]).enabled(ll301)
    assert RuleSelection(["LL301"], ignore=["LL3"]).enabled(ll301)  # the longer selector wins
    assert not RuleSelection(["LL3"], ignore=["LL3"]).enabled(ll302)  # a tie goes to ignore
    assert RuleSelection(["ALL"], ignore=["LL4"]).enabled(ll302)


def test_path_patterns_work_like_gitignore() -> None:
    assert path_matches("legacy/*.json", "legacy/adapter_config.json")
    assert path_matches("third_party/", "third_party/x/lora.yaml")
    assert path_matches("vendor", "a/vendor/b.yaml")
    assert path_matches("*.yml", "deep/dir/a.yml")
    assert not path_matches("legacy/*.json", "new/adapter_config.json")
    assert path_matches("./configs/a.yaml", "configs/a.yaml")
    assert path_matches(".github", ".github/workflows/ci.yaml")


def test_inline_directives_are_parsed_per_line_and_file() -> None:
    sup = Suppressions.parse(
        "r: 8  # lora-lint: disable=LL503\n"
        "# lora-lint: disable=ll102, unknown-key\n"
        "lora_alhpa: 8\n"
        "text: 'a # lora-lint: disable=LL1'\n"
        "# lora-lint: disable-file=LL3\n"
    )
    assert sup.lines[1] == ["LL503"]
    assert sup.lines[3] == ["LL102", "unknown-key"]
    assert sup.file == ["LL3"]


def test_defaults_then_pyproject_then_cli(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert _codes(run_cli("--format", "json", ".", cwd=project)) == ["LL102", "LL201", "LL304", "LL503"]
    _project(tmp_path, 'ignore = ["LL5"]\nselect = ["LL1", "LL3", "LL5"]\n')
    assert _codes(run_cli("--format", "json", ".", cwd=project)) == ["LL102", "LL304"]  # LL2 not selected
    # --select replaces the configured select; the configured `ignore = ["LL5"]` still applies, but a
    # full code is more specific than a prefix
    assert _codes(run_cli("--format", "json", "--select", "LL3,LL1", ".", cwd=project)) == ["LL102", "LL304"]
    assert _codes(run_cli("--format", "json", "--select", "LL3,LL503", ".", cwd=project)) == ["LL304", "LL503"]
    # --extend-select adds to it; --ignore adds to the configured ignore
    result = run_cli("--format", "json", "--ignore", "unknown-key", ".", cwd=project)
    assert _codes(result) == ["LL304"]
    assert _codes(run_cli("--format", "json", "--isolated", ".", cwd=project)) == [
        "LL102",
        "LL201",
        "LL304",
        "LL503",
    ]


def test_closest_pyproject_to_each_file_applies(tmp_path: Path) -> None:
    project = _project(tmp_path, 'ignore = ["LL102", "LL201"]\n')
    nested = project / "team"
    nested.mkdir()
    (nested / "pyproject.toml").write_text('[tool.lora-lint]\nignore = ["LL304", "LL201"]\n')
    (nested / "lora.yaml").write_text(CONFIG)
    report = run_cli("--format", "json", ".", cwd=project).json()
    by_file: dict[str, list[str]] = {}
    for d in report["diagnostics"]:
        by_file.setdefault(d["path"], []).append(d["code"])
    assert sorted(by_file["configs/lora.yaml"]) == ["LL304", "LL503"]
    assert sorted(by_file["team/lora.yaml"]) == ["LL102", "LL503"]


def test_per_file_ignores_and_exclude(tmp_path: Path) -> None:
    project = _project(
        tmp_path, 'ignore = ["LL201"]\n[tool.lora-lint.per-file-ignores]\n"configs/*.yaml" = ["LL102", "LL503"]\n'
    )
    (project / "vendor").mkdir()
    (project / "vendor" / "lora.yaml").write_text(CONFIG)
    report = run_cli("--format", "json", "--exclude", "vendor", ".", cwd=project).json()
    assert [(d["path"], d["code"]) for d in report["diagnostics"]] == [("configs/lora.yaml", "LL304")]
    cli = run_cli("--format", "json", "--per-file-ignores", "configs/*:LL3", "--exclude", "vendor", ".", cwd=project)
    assert _codes(cli) == []
    # a file named explicitly is linted even when excluded, unless --force-exclude
    assert _codes(run_cli("--format", "json", "--exclude", "vendor", "vendor/lora.yaml", cwd=project))
    forced = run_cli("--format", "json", "--exclude", "vendor", "--force-exclude", "vendor/lora.yaml", cwd=project)
    assert forced.json()["files"] == []


def test_inline_suppressions_in_yaml(tmp_path: Path) -> None:
    config = (
        "# lora-lint: disable-file=effective-scale, LL201\n"
        "r: 64\n"
        "lora_alhpa: 8  # lora-lint: disable=LL102\n"
        "lora_alpha: 4\n"
        "# lora-lint: disable=LL304\n"
        "target_modules: q_proj,v_proj\n"
    )
    project = _project(tmp_path, config=config)
    assert _codes(run_cli("--format", "json", ".", cwd=project)) == []
    # the same directives do not silence other rules
    other = config.replace("disable=LL304", "disable=LL301")
    project = _project(tmp_path, config=other)
    assert _codes(run_cli("--format", "json", ".", cwd=project)) == ["LL304"]


def test_strict_exit_zero_and_statistics(tmp_path: Path) -> None:
    warning_only = "r: 8\nlora_alhpa: 8\ntarget_modules: [q_proj]\n"
    project = _project(tmp_path, 'ignore = ["LL201"]\n', config=warning_only)
    assert run_cli(".", cwd=project).code == 0
    assert run_cli("--strict", ".", cwd=project).code == 1
    project = _project(tmp_path, 'ignore = ["LL201"]\n')
    assert run_cli(".", cwd=project).code == 1
    assert run_cli("--exit-zero", ".", cwd=project).code == 0
    assert run_cli("--exit-zero", "--format", "xml", ".", cwd=project).code == 2  # still a usage error
    stats = run_cli("--statistics", ".", cwd=project)
    assert stats.stdout.splitlines() == [
        "    1  LL102  warning  unknown-key",
        "    1  LL304  error    comma-joined-targets",
        "    1  LL503  info     effective-scale",
        "Found 1 error, 1 warning, 1 info in 1 LoRA config.",
    ]


@pytest.mark.parametrize(
    "table, message",
    [
        ('selct = ["LL3"]\n', "unknown setting `selct` in [tool.lora-lint] (did you mean `select`?)"),
        ('select = ["LL9"]\n', "unknown rule selector `LL9`"),
        ('ignore = ["unknown-kye"]\n', "(did you mean `unknown-key`?)"),
        ("peft-version = 13\n", "peft-version must be str"),
    ],
)
def test_bad_settings_are_usage_errors(tmp_path: Path, table: str, message: str) -> None:
    result = run_cli(".", cwd=_project(tmp_path, table))
    assert result.code == 2
    assert message in result.stderr


def test_bad_cli_selector_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("--select", "LL30x", ".", cwd=_project(tmp_path))
    assert result.code == 2 and "unknown rule selector" in result.stderr


def test_rule_options_reach_rules(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        'scale-range = [0.01, 100.0]\npeft-version = "0.6"\nignore = ["LL201"]\n',
        config="r: 8\nlora_alpha: 1\ntarget_modules: [q_proj]\nuse_rslora: true\n",
    )
    result = run_cli("--format", "json", ".", cwd=project)
    assert [(d["code"], d["line"]) for d in result.json()["diagnostics"]] == [("LL411", 4)]


def test_rule_and_rules_commands() -> None:
    doc = run_cli("rule", "LL301")
    assert doc.code == 0
    assert doc.stdout.startswith("# unmatched-target-module (LL301)")
    assert "## Why it matters" in doc.stdout
    assert run_cli("rule", "unmatched-target-module").stdout == doc.stdout
    as_json = json.loads(run_cli("rule", "LL503", "--format", "json").stdout)
    assert as_json["options"] == [
        {"name": "scale-range", "default": [0.25, 4.0], "help": "lowest and highest effective scale accepted"}
    ]
    assert run_cli("rule", "LL999").code == 2
    listing = run_cli("rules").stdout.splitlines()
    assert listing[0].startswith("LL001  parse-error")
    assert any(line.startswith("LL407") and line.endswith("(opt-in)") for line in listing)
    everything = json.loads(run_cli("rules", "--format", "json").stdout)
    assert {r["code"] for r in everything} >= {"LL001", "LL301", "LL503"}


def test_docs_rules_page_is_generated_from_the_docstrings() -> None:
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_page(), "docs/rules.md is stale: run python -m linter.docs > docs/rules.md"
