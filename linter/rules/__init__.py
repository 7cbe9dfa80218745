"""The rule set: one module per rule, imported here so each registers itself.

Codes group by stage: LL0xx reading the file, LL1xx the schema, LL2xx the model, LL3xx what LoRA
will target. `all_rules()` returns them ordered by code.
"""

from __future__ import annotations

import importlib
import pkgutil

from linter.rules.base import Context, Rule, RuleOption, register, registry

_loaded = False


def all_rules() -> dict[str, type[Rule]]:
    global _loaded
    if not _loaded:
        for info in pkgutil.iter_modules(__path__):
            if info.name.startswith("ll"):
                importlib.import_module(f"{__name__}.{info.name}")
        _loaded = True
    return registry()


__all__ = ["Context", "Rule", "RuleOption", "all_rules", "register"]
