"""AdapterSpec: the normalised LoRA intent of one config file, whatever its dialect.

A dialect (PEFT adapter JSON, axolotl YAML, ...) turns its raw keys into LoraConfig field names.
Each field remembers the JSON pointer it came from, so a rule that speaks only AdapterSpec can still
point at the user's own line and column. `peft_options()` gives the keyword arguments PEFT's
`LoraConfig` would receive, which is what `linter.targets.analyze` replays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from linter.diagnostics import Pointer


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
