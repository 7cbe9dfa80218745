"""What to write instead: "did you mean" for module names, across typos and architectures.

Two kinds of mistakes reach a LoRA config. Typos (`v_prj`) are caught by string similarity against
the model's real names. Names copied from another architecture (`q_proj` on GPT-2, `c_attn` on
Llama) are not similar to anything, so each known leaf name is tagged with the role it plays, and
an unmatched name is answered with the model's own name for the same role.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from linter.models.inventory import WRAPPABLE_KINDS, Inventory

#: Leaf names by the role they play, across the architectures PEFT users meet most.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "attention query": ("q_proj", "query", "q", "q_lin", "query_proj", "wq", "q_a_proj", "q_b_proj"),
    "attention key": ("k_proj", "key", "k", "k_lin", "key_proj", "wk"),
    "attention value": ("v_proj", "value", "v", "v_lin", "value_proj", "wv"),
    "fused attention QKV": ("c_attn", "query_key_value", "qkv_proj", "Wqkv", "qkv", "W_pack", "in_proj"),
    "fused attention KV": ("kv_a_proj_with_mqa", "kv_b_proj"),
    "attention output": ("o_proj", "out_proj", "o", "out_lin", "dense", "c_proj", "wo_attn"),
    "FFN gate": ("gate_proj", "w1", "wi_0"),
    "FFN up": ("up_proj", "w3", "wi_1", "fc1", "c_fc", "dense_h_to_4h", "wi", "lin1"),
    "FFN down": ("down_proj", "w2", "wo", "fc2", "dense_4h_to_h", "lin2"),
    "fused FFN gate/up": ("gate_up_proj",),
}

_ROLE_OF: dict[str, str] = {}
for _role, _names in ROLE_NAMES.items():
    for _name in _names:
        _ROLE_OF.setdefault(_name, _role)

#: Roles to look at when the model has nothing for a role (fused or split layouts).
_FALLBACK_ROLES = {
    "attention query": ("fused attention QKV",),
    "attention key": ("fused attention QKV", "fused attention KV"),
    "attention value": ("fused attention QKV", "fused attention KV"),
    "fused attention QKV": ("attention query", "attention key", "attention value"),
    "FFN gate": ("fused FFN gate/up",),
    "FFN up": ("fused FFN gate/up",),
    "fused FFN gate/up": ("FFN gate", "FFN up"),
}


def role_of(name: str) -> str | None:
    return _ROLE_OF.get(name.rsplit(".", 1)[-1])


def _dot_suffixes(names: Iterable[str], depth: int) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        parts = name.split(".")
        if len(parts) >= depth:
            seen.setdefault(".".join(parts[-depth:]), None)
    return list(seen)


def close_names(entry: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Typo candidates: the most similar strings, best first, keeping only those about as close
    as the best one (so `v_prj` gets `v_proj`, not every `*_proj`)."""
    pool = list(dict.fromkeys(candidates))
    exact_case = [c for c in pool if c.lower() == entry.lower() and c != entry]
    if exact_case:
        return exact_case[:n]
    scored = []
    for candidate in pool:
        matcher = difflib.SequenceMatcher(None, entry, candidate)
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            ratio = matcher.ratio()
            if ratio >= cutoff:
                scored.append((ratio, candidate))
    scored.sort(key=lambda item: -item[0])
    if not scored:
        return []
    best = scored[0][0]
    return [candidate for ratio, candidate in scored if ratio >= best - 0.02][:n]


def role_equivalents(entry: str, inv: Inventory) -> tuple[str | None, list[str]]:
    """The role `entry` plays elsewhere and this model's wrappable leaf names for that role."""
    role = role_of(entry)
    if role is None:
        return None, []
    leaves = inv.leaf_names(WRAPPABLE_KINDS)
    same = [leaf for leaf in leaves if _ROLE_OF.get(leaf) == role]
    if same:
        return role, same
    fallback = _FALLBACK_ROLES.get(role, ())
    return role, [leaf for leaf in leaves if _ROLE_OF.get(leaf) in fallback]


def suggest_module_names(entry: str, inv: Inventory, n: int = 3) -> tuple[list[str], str | None]:
    """Names to write instead of `entry`, and a short explanation when they come from its role."""
    depth = entry.count(".") + 1
    module_names = [m.name for m in inv.modules if m.name and m.wrappable]
    typos = close_names(entry, _dot_suffixes(module_names, depth), n)
    if not typos and depth > 1:
        leaf = entry.rsplit(".", 1)[-1]
        typos = close_names(leaf, inv.leaf_names(WRAPPABLE_KINDS), n)
    role, equivalents = role_equivalents(entry, inv)
    # a real name from another architecture (`q_proj` on GPT-2) is answered by role, not spelling
    if equivalents:
        return equivalents[:6], f"`{entry.rsplit('.', 1)[-1]}` is the {role} name in other architectures"
    return typos, None


def suggest_parameter_names(entry: str, inv: Inventory, n: int = 3) -> list[str]:
    depth = entry.count(".") + 1
    keys = [f"{m}.{p}" for m, p, shape in inv.parameters() if len(shape) in (2, 3)]
    return close_names(entry, _dot_suffixes(keys, depth), n)


def format_names(names: Iterable[str], limit: int = 6) -> str:
    names = list(names)
    shown = ", ".join(f"`{n}`" for n in names[:limit])
    if len(names) > limit:
        shown += f" and {len(names) - limit} more"
    return shown
