"""Rule documentation from the rules' own docstrings: `lora-lint rule`, `lora-lint rules`, docs/rules.md.

One source for every place a rule is explained, so the command line, the generated page and the
SARIF rule descriptions never drift apart. `python -m linter.docs` prints docs/rules.md; a test
fails when the committed page is stale.
"""

from __future__ import annotations

from typing import Any

from linter.rules import Rule, all_rules


def _facts(rule: type[Rule]) -> str:
    facts = [f"Level: **{rule.level.value}**", f"needs the model: {'yes' if rule.requires_model else 'no'}"]
    if rule.opt_in:
        facts.append("opt-in (runs only when selected by its code or name)")
    return ". ".join(facts) + "."


def _options(rule: type[Rule]) -> str:
    if not rule.options:
        return ""
    lines = ["## Options", ""]
    for option in rule.options:
        lines.append(f"- `{option.name}` (default `{option.default!r}`): {option.help}")
    return "\n".join(lines) + "\n\n"


def rule_markdown(rule: type[Rule], heading: str = "#") -> str:
    """A rule's page: title, level, options, then its docstring."""
    body = rule.documentation()
    return f"{heading} {rule.name} ({rule.code})\n\n{_facts(rule)}\n\n{_options(rule)}{body}\n"


def rule_json(rule: type[Rule]) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "level": rule.level.value,
        "summary": rule.summary,
        "requires_model": rule.requires_model,
        "opt_in": rule.opt_in,
        "options": [{"name": o.name, "default": o.default, "help": o.help} for o in rule.options],
        "explanation": rule.documentation(),
    }


def rules_table() -> str:
    rows = []
    for rule in all_rules().values():
        flag = " (opt-in)" if rule.opt_in else ""
        rows.append(f"{rule.code}  {rule.name:40} {rule.level.value:8} {rule.summary}{flag}")
    return "\n".join(rows)


def rules_page() -> str:
    """The whole of docs/rules.md."""
    parts = [
        "# lora-lint rules\n",
        "Generated from the rules' docstrings by `python -m linter.docs > docs/rules.md`; do not edit.\n",
        "| code | name | level | summary |",
        "|---|---|---|---|",
    ]
    rules = list(all_rules().values())
    for rule in rules:
        parts.append(
            f"| [`{rule.code}`](#{rule.code.lower()}) | `{rule.name}` | {rule.level.value} | {rule.summary} |"
        )
    parts.append("")
    for rule in rules:
        parts.append(f'<a id="{rule.code.lower()}"></a>\n')
        parts.append(rule_markdown(rule, heading="##").replace("\n## ", "\n### "))
    return "\n".join(parts).rstrip("\n") + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(rules_page(), end="")
