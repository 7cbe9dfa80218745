"""The README is the front door: its sample output and its rules table must stay true."""

from __future__ import annotations

import re

from linter.rules import all_rules
from tests.support import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_example_output_is_the_real_output() -> None:
    block = README.split("<!-- example-output:start -->")[1].split("<!-- example-output:end -->")[0]
    shown = block.strip().removeprefix("```text").removesuffix("```").strip("\n")
    result = run_cli("examples/")
    assert result.stdout.rstrip("\n") == shown


def test_readme_lists_every_rule_with_its_level() -> None:
    rows = dict(re.findall(r"^\| `(LL\d{3})` \| `([a-z-]+)` \|", README, flags=re.M))
    rules = all_rules()
    assert rows == {code: rule.name for code, rule in rules.items()}
    for code, rule in rules.items():
        assert f"| `{code}` | `{rule.name}` | {rule.level.value} |" in README


def test_readme_has_the_two_setup_commands() -> None:
    assert "pip install -e '.[models]' && lora-lint examples/" in README
    assert "pip install -e '.[models,test]' && pytest" in README
