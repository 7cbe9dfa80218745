"""Every rule's case file, run by one generator: passing and failing snippets on real models.

`tests/rule_cases/<CODE>.yaml` holds named cases. Each case gives the config text (YAML or JSON),
optionally the fixture model it is linted against (built on the meta device) and settings (rule
options, extra selected rules), and `expect`: the `line:column` of every finding of that rule,
`[]` for a passing case. Messages are not compared; positions are (as in yamllint's rule tests).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from linter.discover import Candidate
from linter.engine import Linter
from linter.models.provider import ModelProvider
from linter.rules import all_rules
from linter.settings import Settings, SettingsResolver
from tests.support import FIXTURE_MODELS

CASES_DIR = Path(__file__).parent / "rule_cases"


def _load() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(CASES_DIR.glob("LL*.yaml")):
        data = yaml.safe_load(path.read_text())
        assert data["rule"] == path.stem, path
        for case in data["cases"]:
            out.append((data["rule"], case))
    return out


CASES = _load()
_providers: dict[str | None, ModelProvider] = {}


def _provider(model: str | None) -> ModelProvider:
    if model not in _providers:
        override = str(FIXTURE_MODELS / model) if model else None
        _providers[model] = ModelProvider(override=override, offline=True)
    return _providers[model]


def test_every_rule_has_passing_and_failing_cases() -> None:
    by_rule: dict[str, list[dict]] = {}
    for code, case in CASES:
        by_rule.setdefault(code, []).append(case)
    for code in all_rules():
        cases = by_rule.get(code, [])
        assert any(case["expect"] for case in cases), f"{code} has no failing case"
        assert any(not case["expect"] for case in cases), f"{code} has no passing case"


@pytest.mark.parametrize("code, case", CASES, ids=[f"{code}-{case['name']}" for code, case in CASES])
def test_rule_case(code: str, case: dict[str, Any], tmp_path: Path) -> None:
    filename = case.get("file") or ("adapter_config.json" if case.get("format") == "json" else "lora.yaml")
    path = tmp_path / filename
    path.write_text(case["config"], encoding="utf-8")
    options = dict(case.get("settings") or {})
    select = [code, *options.pop("extend-select", [])]
    settings = Settings(root=tmp_path, select=select, rule_options=options)
    resolver = SettingsResolver(isolated=True)
    resolver.fixed = settings
    linter = Linter(_provider(case.get("model")), settings=resolver, cwd=tmp_path)
    result = linter.lint(Candidate(path, True))
    found = Counter(f"{d.span.line}:{d.span.column}" for d in (result.diagnostics if result else []) if d.code == code)
    assert found == Counter(case["expect"]), [
        f"{d.span.line}:{d.span.column} {d.code} {d.message}" for d in (result.diagnostics if result else [])
    ]
    if "level" in case:
        levels = {d.level.value for d in result.diagnostics if d.code == code}
        assert levels == {case["level"]}
