"""What a rule is: a stable code, a kebab-case name, a level, a docstring, and a `check()`.

A rule's class docstring *is* its documentation (`lora-lint rule CODE` prints it, `docs/rules.md`
is generated from it). A rule only yields `Finding`s that point into the document by JSON pointer;
the engine stamps code and level, applies settings and resolves positions. Rules that need the model
say so with `requires_model`, so the engine can skip them with one note when the model is missing.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from linter.diagnostics import Finding, Level
from linter.document import Document
from linter.models.inventory import Inventory
from linter.spec import AdapterSpec
from linter.targets import TargetAnalysis


@dataclass(frozen=True)
class RuleOption:
    """A setting a rule reads from `[tool.lora-lint]` (kebab-case), with its type and default."""

    name: str
    types: tuple[type, ...]
    default: Any
    help: str


@dataclass
class Context:
    """Everything a rule may look at for one file."""

    document: Document
    spec: AdapterSpec | None = None
    inventory: Inventory | None = None
    analysis: TargetAnalysis | None = None
    #: why the model is not available (None when it is, or when none was asked for)
    model_problem: str | None = None
    #: why the task type does not fit the model (its auto class has no model for this config)
    task_type_problem: str | None = None
    model_label: str | None = None
    #: what the file was recognised as ("lora", "model-config", "not-mapping", ...)
    kind: str = "lora"
    #: trainable parameters of the adapter (an `AdapterSize`), when the model is known and PEFT
    #: would accept the config
    size: Any = None
    #: per-file results shared between rules (the schema is validated once)
    memo: dict[str, Any] = field(default_factory=dict)
    #: rule option values from the settings, by option name (defaults filled in by the engine)
    option_values: dict[str, Any] = field(default_factory=dict)

    def option(self, name: str) -> Any:
        return self.option_values[name]

    @property
    def model_name(self) -> str:
        if self.inventory is None:
            return "the model"
        return self.inventory.model_class


class Rule:
    """Base class; subclasses set the class attributes and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    level: ClassVar[Level]
    summary: ClassVar[str]
    requires_model: ClassVar[bool] = False
    #: guidance rules that run only when selected by their code or name
    opt_in: ClassVar[bool] = False
    #: also run on framework configs that do not train LoRA (full fine-tune, `use_peft` off)
    applies_when_disabled: ClassVar[bool] = False
    #: settings this rule reads
    options: ClassVar[tuple[RuleOption, ...]] = ()
    #: kinds of file the rule applies to
    applies_to: ClassVar[frozenset[str]] = frozenset({"lora"})

    def check(self, ctx: Context) -> Iterator[Finding]:
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")


_REGISTRY: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: add a rule to the registry, refusing duplicate codes or names."""
    for other in _REGISTRY.values():
        if other.code == cls.code or other.name == cls.name:
            raise ValueError(f"rule {cls.code} {cls.name} clashes with {other.code} {other.name}")
    _REGISTRY[cls.code] = cls
    return cls


def registry() -> dict[str, type[Rule]]:
    return dict(sorted(_REGISTRY.items()))
