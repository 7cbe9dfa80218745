"""Every rule is documented and identified the same way (codes, kebab names, docstrings)."""

from __future__ import annotations

import re

from linter.diagnostics import Level
from linter.rules import all_rules


def test_rules_have_stable_codes_names_and_docs() -> None:
    rules = all_rules()
    assert len(rules) >= 20
    for code, rule in rules.items():
        assert re.fullmatch(r"LL\d{3}", code)
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name)
        assert isinstance(rule.level, Level)
        doc = rule.documentation()
        for section in ("## What it does", "## Why it matters", "## Example"):
            assert section in doc, f"{code} lacks {section}"
        assert rule.summary.endswith(".")
    assert len({r.name for r in rules.values()}) == len(rules)
