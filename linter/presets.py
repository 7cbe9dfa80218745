"""The four `suggest` presets, as sets of places (`linter.anatomy`) on one model.

A preset is a role-level intent ("attention Q and V"); what it names depends on the architecture:
`q_proj` and `v_proj` on Llama, the fused `c_attn` on GPT-2, `query_key_value` on GPT-NeoX,
`qkv_proj` on Phi-3, `q` and `v` on T5, `query` and `value` on BERT. Where Q and V are fused with
K, the fused projection is the only way to adapt them, so attention-qv takes it whole.

* `attention-qv`: the query and value projections (the balanced default of the LoRA paper);
* `attention`: every attention projection (Q, K, V, O, or fused QKV and O);
* `attention-ffn`: attention plus the feed-forward layers (gate, up, down, fused gate+up, and MoE
  experts as 3-D parameters); the FFN gets its own rank;
* `all-linear`: every Linear / Conv1D layer except the output and task heads (what PEFT's
  `all-linear` takes, written as names), plus MoE experts; the FFN gets its own rank.

MoE routers are never chosen: they are tiny, and LoRA on a router changes which experts run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linter.anatomy import ROLES, Anatomy, Place
from linter.models.inventory import LINEAR_KINDS

PRESETS: dict[str, str] = {
    "attention-qv": "attention query and value projections",
    "attention": "every attention projection",
    "attention-ffn": "attention and feed-forward layers",
    "all-linear": "every linear layer but the heads",
}

#: sections whose places train at the FFN rank
FFN_SECTIONS = ("ffn", "moe")


class PresetError(Exception):
    """The model has nothing the preset could name."""


@dataclass
class Selection:
    """What a preset names on one model: modules (target_modules) and parameters (target_parameters)."""

    preset: str
    places: list[Place] = field(default_factory=list)

    @property
    def modules(self) -> list[Place]:
        return [p for p in self.places if p.param is None]

    @property
    def parameters(self) -> list[Place]:
        return [p for p in self.places if p.param is not None]

    def is_ffn(self, place: Place) -> bool:
        return place.section in FFN_SECTIONS and self.preset in ("attention-ffn", "all-linear")

    def describe(self, places: list[Place] | None = None) -> list[str]:
        """Role labels of what is selected (or of `places`), in order (`Q`, `V`, `gate` ...)."""
        return list(dict.fromkeys(ROLES[p.role] for p in (self.places if places is None else places)))


def _qv_roles(roles: set[str]) -> set[str]:
    wanted: set[str] = set()
    wanted |= {"q"} if "q" in roles else {"qkv"} & roles
    wanted |= {"v"} if "v" in roles else ({"qkv"} & roles or {"kv"} & roles)
    return wanted | ({"mha"} & roles)


def select(anatomy: Anatomy, preset: str) -> Selection:
    if preset not in PRESETS:
        raise PresetError(f"unknown preset {preset!r}: one of {', '.join(PRESETS)}")
    places = anatomy.places
    roles = {p.role for p in places}
    experts = [p for p in places if p.section == "moe" and p.role != "router"]
    if preset == "attention-qv":
        chosen = [p for p in places if p.section == "attention" and p.role in _qv_roles(roles)]
    elif preset == "attention":
        chosen = [p for p in places if p.section == "attention"]
    elif preset == "attention-ffn":
        chosen = [p for p in places if p.section in ("attention", "ffn")] + experts
    else:
        linear = [p for p in places if p.param is None and p.module.kind in LINEAR_KINDS and p.section != "head"]
        chosen = linear + experts
    if not any(p.section == "attention" for p in chosen) and preset != "all-linear":
        model = anatomy.inv.model_class
        raise PresetError(
            f"lora-lint recognises no attention projections in {model}; `lora-lint inspect` lists its modules, "
            "and a config can name them directly"
        )
    if not chosen:
        raise PresetError(f"{anatomy.inv.model_class} has no linear layer LoRA could target")
    order = {p.key: i for i, p in enumerate(places)}
    return Selection(preset, sorted(chosen, key=lambda p: order[p.key]))
