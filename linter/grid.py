"""`explain`'s picture of one config: every layer by every module, and what LoRA does to each.

A list of targeted names hides what a config does: `layers_to_transform: [0, 1]` leaves 30 of 32
layers untouched, a regex picks some projections in some blocks, `exclude_modules` and
`modules_to_save` take modules back. A grid shows it at once: one row per layer of each layer stack
(`model.layers`, T5's `encoder.block` and `decoder.block`), one column per module path inside a
layer (`self_attn.q_proj`, GPT-2's `attn.c_proj` and `mlp.c_proj` apart), and one row for each
module outside the layers (embeddings, heads). Every cell is a state read from the replay of PEFT
(`linter.targets.analyze`), never recomputed here, so the picture is what PEFT will do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from linter.adapter_size import AdapterSize
from linter.anatomy import Anatomy
from linter.heads import saved_by
from linter.models.inventory import Inventory
from linter.targets import TargetAnalysis, rank_and_alpha

TARGETED = "targeted"
NOT_TARGETED = "not-targeted"
EXCLUDED = "excluded"
OUTSIDE_LAYERS = "outside-layers"
SAVED = "saved"
UNSUPPORTED = "unsupported"

#: state -> (mark in the text grid, meaning); a targeted cell shows its rank instead of a mark
LEGEND: dict[str, tuple[str, str]] = {
    TARGETED: ("8", "LoRA at that rank (rank_pattern shows as a different number)"),
    NOT_TARGETED: (".", "not targeted"),
    EXCLUDED: ("x", "excluded by exclude_modules"),
    OUTSIDE_LAYERS: ("-", "matched, but its layer is not in layers_to_transform"),
    SAVED: ("S", "saved whole: trained in full and saved (modules_to_save, task head)"),
    UNSUPPORTED: ("!", "matched, but LoRA cannot wrap it (PEFT raises)"),
}


@dataclass
class Cell:
    """One module (or parameter) and what LoRA does to it."""

    key: str
    state: str
    rank: Any = None
    alpha: Any = None

    @property
    def mark(self) -> str:
        if self.state == TARGETED:
            return str(self.rank)
        return LEGEND[self.state][0]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "state": self.state}
        if self.state == TARGETED:
            out.update(rank=self.rank, alpha=self.alpha)
        return out


@dataclass
class Column:
    """A module path inside a layer; `group` is its parent path (`self_attn`), `label` its leaf."""

    path: str
    group: str
    label: str
    kind: str  # "module" or "parameter"


@dataclass
class Stack:
    """One list of layers: its columns and, per layer index, the cells it has."""

    name: str
    columns: list[Column] = field(default_factory=list)
    layers: dict[int, dict[str, Cell]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": [{"path": c.path, "group": c.group, "label": c.label, "kind": c.kind} for c in self.columns],
            "layers": [
                {"index": index, "cells": {path: cell.to_json() for path, cell in cells.items()}}
                for index, cells in sorted(self.layers.items())
            ],
        }


@dataclass
class Outside:
    """A module outside the layers: embeddings, heads, poolers."""

    cell: Cell
    cls: str
    role: str


@dataclass
class Grid:
    stacks: list[Stack]
    outside: list[Outside]
    analysis: TargetAnalysis
    size: AdapterSize | None

    def cells(self) -> list[Cell]:
        found = [cell for stack in self.stacks for cells in stack.layers.values() for cell in cells.values()]
        return found + [row.cell for row in self.outside]

    def totals(self) -> dict[str, Any]:
        analysis, size = self.analysis, self.size
        out: dict[str, Any] = {
            "targeted_modules": len(analysis.targeted_modules),
            "targeted_parameters": len(analysis.targeted_parameters),
            "saved_modules": len(analysis.saved_modules),
        }
        if size is not None:
            out.update(
                trainable=size.trainable,
                all_parameters=size.all_parameters,
                base_parameters=size.base_parameters,
                percent_of_base=round(size.percent_of_base, 6),
                exact=size.exact,
            )
        return out

    def to_json(self) -> dict[str, Any]:
        analysis = self.analysis
        return {
            "legend": {state: {"mark": mark, "meaning": meaning} for state, (mark, meaning) in LEGEND.items()},
            "stacks": [stack.to_json() for stack in self.stacks],
            "outside": [{"class": row.cls, "role": row.role, **row.cell.to_json()} for row in self.outside],
            "targeted_modules": analysis.targeted_modules,
            "targeted_parameters": analysis.targeted_parameters,
            "saved_modules": analysis.saved_modules,
            "totals": self.totals(),
            "peft_error": analysis.failures[0].message if analysis.failures else None,
            "failures": [f.message for f in analysis.failures],
        }


def _state(key: str, analysis: TargetAnalysis, targeted: set[str], sets: dict[str, set[str]]) -> str:
    if key in targeted:
        return UNSUPPORTED if key in sets["unsupported"] else TARGETED
    if saved_by(analysis, key) is not None or key in sets["saved"]:
        return SAVED
    if key in sets["excluded"]:
        return EXCLUDED
    if key in sets["layers"]:
        return OUTSIDE_LAYERS
    return NOT_TARGETED


def _labels(groups: list[str]) -> dict[str, str]:
    """The shortest dotted suffix of each group path that tells it from the others."""
    out = {}
    for group in groups:
        parts = group.split(".")
        for depth in range(1, len(parts) + 1):
            label = ".".join(parts[-depth:])
            if not any(other != group and (other == label or other.endswith("." + label)) for other in groups):
                break
        out[group] = label
    return out


def build_grid(inv: Inventory, options: dict[str, Any], analysis: TargetAnalysis, size: AdapterSize | None) -> Grid:
    """The grid of `analysis` (PEFT's replayed targeting of `options`) on `inv`."""
    anatomy = Anatomy(inv)
    targeted = set(analysis.targeted_modules) | set(analysis.targeted_parameters)
    sets = {
        "unsupported": set(analysis.unsupported),
        "saved": set(analysis.excluded_by_save),
        "excluded": set(analysis.excluded_by_exclude),
        "layers": set(analysis.dropped_by_layers),
    }
    # what to show: every place, plus anything a target matched or PEFT wraps that is not one (a
    # container a target matched, in or out of the selected layers; a saved head block)
    keys = [(p.key, p.param is not None) for p in anatomy.places]
    known = {key for key, _ in keys}
    order = {m.name: i for i, m in enumerate(inv.modules)}
    matched = list(targeted) + list(analysis.dropped_by_layers) + list(analysis.saved_modules)
    extra = [k for k in matched if k not in known]
    for key in sorted(dict.fromkeys(extra), key=lambda k: order.get(k, order.get(k.rpartition(".")[0], 0))):
        keys.append((key, key not in order))

    stacks = {name: Stack(name) for name in anatomy.stacks}
    seen_columns: dict[str, dict[str, Column]] = {name: {} for name in stacks}
    outside: list[Outside] = []
    roles = {p.key: p.role for p in anatomy.places}
    for key, is_param in keys:
        module_name = key.rpartition(".")[0] if is_param else key
        module = inv.module(module_name)
        rank, alpha = (None, None)
        state = _state(key, analysis, targeted, sets)
        if state == TARGETED:
            rank, alpha, _ = rank_and_alpha(options, analysis, key)
        cell = Cell(key, state, rank, alpha)
        stack_name = next((s for s in stacks if key.startswith(s + ".")), None)
        index, _, path = key[len(stack_name) + 1 :].partition(".") if stack_name else ("", "", "")
        if stack_name is None or not index.isdigit() or not path:
            outside.append(Outside(cell, module.cls if module else "?", roles.get(key, "other")))
            continue
        columns = seen_columns[stack_name]
        if path not in columns:
            group, _, label = path.rpartition(".")
            columns[path] = Column(path, group, label, "parameter" if is_param else "module")
        stacks[stack_name].layers.setdefault(int(index), {})[path] = cell
    result = []
    for name, stack in stacks.items():
        stack.columns = list(seen_columns[name].values())
        if stack.columns:
            result.append(stack)
    outside.sort(key=lambda row: order.get(row.cell.key, order.get(row.cell.key.rpartition(".")[0], 0)))
    return Grid(result, outside, analysis, size)


def group_labels(stack: Stack) -> dict[str, str]:
    """Display labels for the column groups of a stack (`self_attn`, `mlp`; BERT's `attention.output`)."""
    return _labels(list(dict.fromkeys(c.group for c in stack.columns)))
