"""What `lora-lint inspect` reports about a model: its size, its LoRA targets by role, their cost.

A user choosing `target_modules` needs three answers the model card rarely gives: what this
architecture calls its attention and FFN projections, what each choice costs, and what PEFT does
when `target_modules` is left out. `inspect_model` answers them from an Inventory:

* the structural facts (hidden size, intermediate size, layers, heads, KV heads), read from the
  config and, where the config does not say (GPT-2 has no `intermediate_size`, Falcon keeps its
  KV heads in `multi_query`), derived from the layer shapes and marked as derived;
* one row per role and leaf name (`linter.anatomy`), with the LoRA parameters that targeting
  exactly that row costs at rank r: computed by `linter.targets.analyze` and
  `linter.adapter_size`, the same code that sizes a linted config, so the number is what PEFT's
  `get_nb_trainable_parameters()` reports for a config with those modules;
* PEFT's default targets for the model type, and whether this model has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from linter import peft_facts as pf
from linter.adapter_size import adapter_size
from linter.anatomy import ROLES, SECTIONS, Anatomy, Place
from linter.models.inventory import LIST_KINDS, Inventory
from linter.target_names import exact_entry, suffix_matches
from linter.targets import analyze


@dataclass
class Row:
    """Modules (or parameters) of one role with one leaf name, class and shape."""

    section: str
    role: str
    leaf: str
    cls: str
    shape: list[int] | None
    lora: str
    places: list[Place] = field(default_factory=list)
    #: LoRA parameters of a config targeting exactly this row at rank r (None: unknown)
    cost: int | None = None
    #: the target_modules / target_parameters entry that selects exactly this row, if one does
    entry: str | None = None

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.places]

    @property
    def templates(self) -> list[str]:
        return list(dict.fromkeys(p.template for p in self.places))

    def options(self, r: int) -> dict[str, Any]:
        """The LoraConfig keyword arguments that target exactly this row."""
        if self.lora == "parameter":
            return {"r": r, "target_modules": [], "target_parameters": self.keys, "lora_dropout": 0.0}
        return {"r": r, "target_modules": self.keys}

    def to_json(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "role": self.role,
            "label": ROLES[self.role],
            "leaf": self.leaf,
            "count": len(self.places),
            "class": self.cls,
            "shape": self.shape,
            "lora": self.lora,
            "lora_parameters": self.cost,
            "entry": self.entry,
            "templates": self.templates,
            "names": self.keys,
        }


@dataclass
class Defaults:
    """PEFT's default `target_modules` for the model type, as they apply to this model."""

    model_type: str
    value: list[str] | str | None
    #: list entry -> number of modules it matches
    matches: dict[str, int] = field(default_factory=dict)
    targeted: list[str] = field(default_factory=list)
    cost: int | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "model_type": self.model_type,
            "target_modules": self.value,
            "matches": self.matches,
            "targeted_modules": len(self.targeted),
            "lora_parameters": self.cost,
            "error": self.error,
        }


@dataclass
class Inspection:
    inventory: Inventory
    rank: int
    facts: dict[str, Any]
    #: facts computed from shapes because the config does not state them
    derived: list[str]
    rows: list[Row]
    defaults: Defaults
    #: leaf names of modules LoRA cannot wrap, by what they are (norm, container, experts ...)
    not_wrappable: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        inv = self.inventory
        return {
            "model_type": inv.model_type,
            "model_class": inv.model_class,
            "auto_class": inv.auto_class,
            "transformers_version": inv.transformers_version,
            "shapes_known": inv.shapes,
            "facts": self.facts,
            "derived_facts": self.derived,
            "total_parameters": inv.total_parameters if inv.shapes else None,
            "rank": self.rank,
            "sections": {name: title for name, title in SECTIONS.items()},
            "groups": [row.to_json() for row in self.rows],
            "peft_defaults": self.defaults.to_json(),
            "not_wrappable": self.not_wrappable,
        }


def lora_cost(options: dict[str, Any], inv: Inventory) -> int | None:
    """Trainable parameters of the config `options` on `inv`, or None when PEFT would raise or sizes are unknown."""
    if not inv.shapes:
        return None
    analysis = analyze(options, inv)
    if analysis.raises:
        return None
    return adapter_size(options, inv, analysis).trainable


def rows_of(anatomy: Anatomy) -> list[Row]:
    """The places grouped by section, role, leaf, class and shape, in display order."""
    rows: dict[tuple, Row] = {}
    for place in anatomy.places:
        shape = place.shape
        key = (place.section, place.role, place.leaf, place.cls, tuple(shape) if shape else None)
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(place.section, place.role, place.leaf, place.cls, shape, place.lora)
        row.places.append(place)
    sections, roles = list(SECTIONS), list(ROLES)
    ordered = sorted(rows.values(), key=lambda r: (sections.index(r.section), roles.index(r.role)))
    return ordered


#: config.json keys that older architectures use for the facts (transformers' `attribute_map`)
_ALIASES = {
    "hidden_size": ("n_embd", "d_model", "dim"),
    "intermediate_size": ("n_inner", "d_ff", "ffn_dim", "hidden_dim"),
    "num_hidden_layers": ("n_layer", "num_layers", "n_layers"),
    "num_attention_heads": ("n_head", "num_heads", "n_heads"),
}


def config_facts(config: dict[str, Any] | None) -> dict[str, Any]:
    """The facts as config.json states them, for a name-only Inventory that does not carry them."""
    if not isinstance(config, dict):
        return {}
    text = config.get("text_config") if isinstance(config.get("text_config"), dict) else config
    facts: dict[str, Any] = {}
    for key in (
        "hidden_size",
        "intermediate_size",
        "num_hidden_layers",
        "num_attention_heads",
        "num_key_value_heads",
        "head_dim",
        "vocab_size",
        "num_local_experts",
        "num_experts",
    ):
        for name in (key, *_ALIASES.get(key, ())):
            value = text.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                facts[key] = value
                break
    return facts


def model_facts(
    anatomy: Anatomy, rows: list[Row], config: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Hidden size, intermediate size, layers, heads and KV heads; and which were derived from shapes."""
    inv = anatomy.inv
    # a built Inventory's facts are transformers' reading of the config (Falcon's `num_kv_heads` is
    # overridden by `multi_query`); the raw config.json only fills in for a name-only Inventory
    given = inv.config_facts if inv.shapes else {**config_facts(config), **inv.config_facts}
    facts: dict[str, Any] = {}
    derived: list[str] = []

    def first(role: str) -> Row | None:
        return next((r for r in rows if r.role == role and r.lora == "module" and r.shape), None)

    facts["hidden_size"] = given.get("hidden_size", anatomy.hidden_size)
    if "hidden_size" not in given and anatomy.hidden_size is not None:
        derived.append("hidden_size")
    intermediate = given.get("intermediate_size")
    if not isinstance(intermediate, int):
        up, down = first("up") or first("gate"), first("down")
        intermediate = up.shape[1] if up else down.shape[0] if down else None
        if intermediate is not None:
            derived.append("intermediate_size")
    facts["intermediate_size"] = intermediate
    layers = given.get("num_hidden_layers")
    if not isinstance(layers, int) and anatomy.stacks:
        stack = anatomy.stacks[0]
        layers = len({p.layer for p in anatomy.places if p.stack == stack})
        derived.append("num_hidden_layers")
    facts["num_hidden_layers"] = layers
    heads = given.get("num_attention_heads")
    facts["num_attention_heads"] = heads
    hidden = facts["hidden_size"]
    head_dim = given.get("head_dim")
    if not isinstance(head_dim, int) and isinstance(hidden, int) and isinstance(heads, int) and heads:
        head_dim = hidden // heads
    kv = given.get("num_key_value_heads")
    if not isinstance(kv, int) and isinstance(head_dim, int) and head_dim and isinstance(heads, int):
        key, fused = first("k"), first("qkv")
        if key is not None and key.shape[1] % head_dim == 0:
            kv = key.shape[1] // head_dim
        elif fused is not None and fused.shape[1] % head_dim == 0 and (fused.shape[1] // head_dim - heads) % 2 == 0:
            kv = (fused.shape[1] // head_dim - heads) // 2
        if isinstance(kv, int) and kv > 0:
            derived.append("num_key_value_heads")
        else:
            kv = None
    facts["num_key_value_heads"] = kv
    facts["head_dim"] = head_dim
    facts["vocab_size"] = given.get("vocab_size")
    experts = next((given[k] for k in ("num_local_experts", "num_experts", "n_routed_experts") if k in given), None)
    if experts is not None:
        facts["num_experts"] = experts
    return facts, derived


def peft_defaults(inv: Inventory, rank: int) -> Defaults:
    value = pf.DEFAULT_TARGET_MODULES.get(inv.model_type)
    defaults = Defaults(inv.model_type, list(value) if isinstance(value, (list, tuple)) else value)
    names = [m.name for m in inv.modules if m.name]
    if isinstance(value, (list, tuple)):
        defaults.matches = {entry: len(suffix_matches(entry, names)) for entry in value}
    options = {"r": rank}
    analysis = analyze(options, inv)
    if value is None and analysis.raises:
        return defaults
    defaults.targeted = list(analysis.targeted_modules)
    if analysis.raises:
        defaults.error = analysis.failures[0].message
    elif inv.shapes:
        defaults.cost = adapter_size(options, inv, analysis).trainable
    return defaults


def inspect_model(inv: Inventory, rank: int = 8, config: dict[str, Any] | None = None) -> Inspection:
    """The inspection of `inv`; `config` (its config.json) fills in facts a name-only Inventory lacks."""
    anatomy = Anatomy(inv)
    rows = rows_of(anatomy)
    modules = [m.name for m in inv.modules if m.name]
    parameters = [f"{module}.{param}" for module, param, _ in inv.parameters()]
    for row in rows:
        row.cost = lora_cost(row.options(rank), inv)
        row.entry = exact_entry(row.keys, parameters if row.lora == "parameter" else modules)
    facts, derived = model_facts(anatomy, rows, config)
    return Inspection(inv, rank, facts, derived, rows, peft_defaults(inv, rank), not_wrappable(inv))


def not_wrappable(inv: Inventory) -> dict[str, list[str]]:
    """Leaf names that target_modules must not name (PEFT raises on them), by kind; layer lists left out."""
    found: dict[str, dict[str, None]] = {}
    for module in inv.modules:
        if not module.name or module.wrappable or module.kind in LIST_KINDS or module.leaf.isdigit():
            continue
        found.setdefault(module.kind, {})[module.leaf] = None
    return {kind: list(leaves) for kind, leaves in found.items()}
