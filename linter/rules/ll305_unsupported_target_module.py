"""LL305 unsupported-target-module."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.models.inventory import Inventory, ModuleInfo
from linter.names import format_names
from linter.rules.base import Context, Rule, register

_WHAT = {
    "container": "a block that holds other layers",
    "module_list": "a list of layers",
    "module_dict": "a dict of layers",
    "norm": "a normalisation layer",
    "activation": "an activation",
    "dropout": "a dropout",
    "rotary": "a rotary embedding",
    "experts": "fused MoE experts (3-D parameters, not Linear layers)",
    "mha_split": "a MultiheadAttention with different q/k/v sizes",
    "other": "a layer type LoRA has no implementation for",
}


def _children(inv: Inventory, module: ModuleInfo) -> list[str]:
    prefix = module.name + "."
    seen: dict[str, None] = {}
    for m in inv.modules:
        if m.name.startswith(prefix) and m.wrappable:
            seen.setdefault(m.name[len(prefix) :], None)
    return list(seen)


def _hint(inv: Inventory, module: ModuleInfo) -> tuple[str, tuple[str, ...]]:
    if module.kind == "experts":
        params = [p for p, shape in module.params.items() if len(shape) == 3]
        leaf = module.name.split(".")[-1]
        names = tuple(f"{leaf}.{p}" for p in params)
        return (
            "target the expert weights with target_parameters: "
            + format_names(names)
            + " (and set target_modules to the attention layers or [])",
            names,
        )
    children = _children(inv, module)
    if children:
        leaves = list(dict.fromkeys(c.split(".")[-1] for c in children))
        return "target the layers inside it instead: " + format_names(leaves), tuple(leaves)
    if module.kind == "norm":
        return "norms have no LoRA layer; list them in modules_to_save to train them in full", ()
    return "LoRA wraps Linear, Conv1d/2d/3d, Embedding, transformers Conv1D and MultiheadAttention", ()


@register
class UnsupportedTargetModule(Rule):
    """A target that matches a module LoRA cannot wrap.

    ## What it does
    Reports target entries that match a module PEFT has no LoRA layer for: an attention block or
    MLP container, a norm, an activation, a rotary embedding, or transformers-5 fused MoE experts,
    naming the wrappable layers inside it, or `target_parameters` for 3-D expert weights.

    ## Why it matters
    PEFT raises `Target module LlamaAttention(...) is not supported` (with the whole module
    printed), and only after loading the model. Container names are easy to pick by mistake:
    `self_attn` and `mlp` look like layer names.

    ## Example
    ```yaml
    target_modules: [self_attn, mlp]
    ```
    Use instead:
    ```yaml
    target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]
    ```
    """

    code = "LL305"
    name = "unsupported-target-module"
    level = Level.ERROR
    summary = "A target matches a module LoRA cannot wrap (block, norm, experts...)."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        analysis, inv, spec = ctx.analysis, ctx.inventory, ctx.spec
        unsupported = [inv.module(n) for n in analysis.unsupported]
        if not unsupported:
            return
        entries = analysis.target_entries
        if entries:
            for entry in entries:
                hits = [m for m in unsupported if m.name in entry.matches]
                if hits:
                    yield self._finding(inv, hits, f"`{entry.value}`", spec.pointer("target_modules", entry.index))
        else:
            yield self._finding(inv, unsupported, "`target_modules`", spec.pointer("target_modules"))

    def _finding(self, inv: Inventory, hits: list[ModuleInfo], label: str, pointer) -> Finding:
        first = hits[0]
        what = _WHAT.get(first.kind, "a layer type LoRA cannot wrap")
        more = f" and {len(hits) - 1} more" if len(hits) > 1 else ""
        hint, suggestions = _hint(inv, first)
        return Finding(
            f"{label} matches `{first.name}`{more}, a {first.cls}: {what}; PEFT raises ValueError "
            "(LoRA cannot wrap it)",
            pointer=pointer,
            hint=hint,
            fix_suggestions=suggestions,
        )
