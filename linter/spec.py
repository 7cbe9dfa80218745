"""AdapterSpec: the normalised LoRA intent of one config file, whatever its dialect.

A dialect (PEFT adapter JSON, axolotl YAML, ...) turns its raw keys into LoraConfig field names.
Each field remembers the JSON pointer it came from, so a rule that speaks only AdapterSpec can still
point at the user's own line and column. `peft_options()` gives the keyword arguments PEFT's
`LoraConfig` would receive, which is what `linter.targets.analyze` replays.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from linter.diagnostics import Level, Pointer, Replacement

if TYPE_CHECKING:
    from linter.models.inventory import Inventory


@dataclass(frozen=True)
class Field:
    """A value and where it came from.

    `pointer` is None for a value the dialect derived without a single source. `items` gives one
    pointer per list entry when a dialect built the list from something else (a comma string).
    """

    value: Any
    pointer: Pointer | None
    items: tuple[Pointer, ...] | None = None

    def item_pointer(self, index: int | str) -> Pointer | None:
        if self.items is not None and isinstance(index, int) and 0 <= index < len(self.items):
            return self.items[index]
        if self.pointer is None:
            return None
        return self.pointer + (index,)


@dataclass(frozen=True)
class Pitfall:
    """A framework-specific trap a dialect found while translating the file (see rules LL6xx).

    `kind` names the rule that reports it; the dialect knows the framework's code, the rule only
    formats the finding.
    """

    kind: str
    message: str
    pointer: Pointer = ()
    on_key: bool = False
    hint: str | None = None
    fix_suggestions: tuple[str, ...] = ()
    level: Level | None = None
    #: a safe fix (`lora-lint --fix`), when there is exactly one thing to write
    fix: Replacement | None = None


@dataclass(frozen=True)
class LinearTargets:
    """A framework's own "every linear layer" switch, expanded against the model.

    `flavor` says whose rules apply (`axolotl`, `llamafactory`, `llamafactory-v1`); `pointer` is
    the key that asked for it, so the expanded entries point back at it.
    """

    flavor: str
    pointer: Pointer


@dataclass
class AdapterSpec:
    """The LoRA options of one file, keyed by PEFT LoraConfig field name."""

    dialect: str
    fields: dict[str, Field] = field(default_factory=dict)
    #: pointer of the mapping that holds the LoRA options (for findings about missing keys)
    root: Pointer = ()
    #: every key of the mapping should be a LoRA option (False for project configs that mix in
    #: their own settings: only keys that look like misspelt LoRA options are reported)
    strict_keys: bool = True
    #: the JSON Schema (in schemas/) that checks this dialect's LoRA keys
    schema: str = "peft-lora.schema.json"
    #: False when the framework config does not train LoRA at all (full fine-tune, `use_peft`
    #: off): only the rules about inert LoRA settings and the schema apply
    enabled: bool = True
    #: the framework's all-linear switch, expanded by `resolved()` once the model is known
    linear_targets: LinearTargets | None = None
    pitfalls: list[Pitfall] = field(default_factory=list)
    #: why the dialect could not name a base model (e.g. a torchtune builder lora-lint has no
    #: Hugging Face id for); reported by LL201 instead of the generic "no base model named"
    model_problem: str | None = None

    def has(self, name: str) -> bool:
        return name in self.fields

    def get(self, name: str, default: Any = None) -> Any:
        found = self.fields.get(name)
        return default if found is None else found.value

    def pointer(self, name: str, entry: int | str | None = None) -> Pointer:
        found = self.fields.get(name)
        if found is None:
            return self.root
        if entry is None:
            return found.pointer if found.pointer is not None else self.root
        return found.item_pointer(entry) or found.pointer or self.root

    @property
    def model_ref(self) -> Any:
        return self.get("base_model_name_or_path")

    @property
    def revision(self) -> Any:
        return self.get("revision")

    @property
    def task_type(self) -> Any:
        return self.get("task_type")

    def peft_options(self) -> dict[str, Any]:
        """The LoraConfig keyword arguments this spec stands for (only the ones that were set)."""
        return {name: f.value for name, f in self.fields.items()}

    def resolved(self, inv: Inventory) -> AdapterSpec:
        """This spec with the framework's all-linear switch expanded into module names.

        The expanded names are appended to `target_modules` as the framework does, each pointing
        at the key that asked for them, so entry-level rules keep working.
        """
        if self.linear_targets is None:
            return self
        from linter.dialects.linear import linear_leaf_names

        names = linear_leaf_names(inv, self.linear_targets.flavor)
        current = self.fields.get("target_modules")
        if current is None or current.value is None:
            base: list[Any] = []
            pointers: list[Pointer] = []
        elif isinstance(current.value, list):
            base = list(current.value)
            pointers = [current.item_pointer(i) or self.root for i in range(len(base))]
        else:  # a string is wrapped into a one-entry list (axolotl), a literal name
            base = [current.value]
            pointers = [current.pointer or self.root]
        added = [n for n in names if n not in base]
        fields = dict(self.fields)
        fields["target_modules"] = Field(
            base + added,
            current.pointer if current is not None and current.pointer is not None else self.linear_targets.pointer,
            tuple(pointers) + (self.linear_targets.pointer,) * len(added),
        )
        return replace(self, fields=fields)
