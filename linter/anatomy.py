"""Where every LoRA target of a model sits and what it does: layer stack, layer index, role.

`inspect`, `explain` and `suggest` all need the same map of a model, and a leaf name alone does
not give it: GPT-2 has `attn.c_proj` (attention output) and `mlp.c_proj` (FFN down), BERT has
`attention.output.dense`, `intermediate.dense` and `output.dense`, RoBERTa's classification head
has a `dense` that is no attention layer at all. So a module is placed first by *where* it is:

* inside a layer of a stack (an outermost `ModuleList` of numbered blocks: `model.layers`,
  `transformer.h`, T5's `encoder.block` and `decoder.block`), its area (attention or FFN) comes
  from its path (`linter.roles.module_role`), its sub-role (Q, K, V, O, gate, up, down...) from
  the leaf name (`linter.names.ROLE_NAMES`), and, for FFN layers whose leaf names say nothing
  (`dense`, `c_proj`), from its shape: hidden -> wider is up, wider -> hidden is down;
* outside the layers it is the output head (`get_output_embeddings()`, or a task head found by
  `linter.heads.task_heads`), an embedding, or "other" (BERT's pooler, DistilBERT's
  `pre_classifier` is part of its task head).

Besides modules (`Place.lora == "module"`), the map holds the 3-D parameters of fused MoE experts
and the 2-D weights of MoE routers, which LoRA reaches through `target_parameters`. Nothing else
is a place: every module PEFT can wrap is exactly one place. Pure Python over an Inventory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from linter import heads
from linter.models.inventory import LIST_KINDS, Inventory, ModuleInfo
from linter.names import role_of
from linter.roles import ATTENTION, FFN, module_role

#: Sections in display order, with their titles.
SECTIONS: dict[str, str] = {
    "attention": "attention",
    "ffn": "feed-forward (FFN)",
    "moe": "MoE experts (3-D parameters, through target_parameters)",
    "embedding": "embeddings",
    "head": "output head",
    "other": "other modules LoRA can wrap",
}

#: Roles in display order, with the label shown for them.
ROLES: dict[str, str] = {
    "q": "Q",
    "k": "K",
    "v": "V",
    "qkv": "QKV fused",
    "kv": "KV fused",
    "o": "O",
    "mha": "MultiheadAttention",
    "gate": "gate",
    "up": "up",
    "gate_up": "gate+up fused",
    "down": "down",
    "experts_gate": "experts gate",
    "experts_up": "experts up",
    "experts_gate_up": "experts gate+up",
    "experts_down": "experts down",
    "experts": "experts",
    "router": "router",
    "input": "input",
    "embedding": "embedding",
    "output": "output",
    "task_head": "task head",
    "other": "other",
}

_ATTENTION_ROLES = {
    "attention query": "q",
    "attention key": "k",
    "attention value": "v",
    "fused attention QKV": "qkv",
    "fused attention KV": "kv",
    "attention output": "o",
}
_FFN_ROLES = {"FFN gate": "gate", "FFN up": "up", "FFN down": "down", "fused FFN gate/up": "gate_up"}
_INDEX = re.compile(r"^\d+$")


@dataclass(frozen=True)
class Place:
    """One thing LoRA can be put on: a module, or a parameter reached through target_parameters."""

    #: full module name, or `module.param` for a parameter
    key: str
    module: ModuleInfo
    param: str | None
    section: str
    role: str
    #: the layer stack (`model.layers`) and index, when inside a layer
    stack: str | None = None
    layer: int | None = None
    #: the path inside the layer (`self_attn.q_proj`), or the full key outside the layers
    path: str = ""

    @property
    def lora(self) -> str:
        """ "module" (target_modules) or "parameter" (target_parameters)."""
        return "module" if self.param is None else "parameter"

    @property
    def leaf(self) -> str:
        """The leaf name; a parameter called `weight` keeps its module's name (`gate.weight`)."""
        if self.param == "weight":
            return f"{self.module.leaf}.weight"
        return self.key.rsplit(".", 1)[-1]

    @property
    def cls(self) -> str:
        return self.module.cls

    @property
    def shape(self) -> list[int] | None:
        """The parameter's shape, or (in, out) for a module when known."""
        if self.param is not None:
            return self.module.params.get(self.param) or None  # [] in a name-only inventory
        if self.module.in_features is None:
            return None
        return [self.module.in_features, self.module.out_features]

    @property
    def template(self) -> str:
        """The key with its layer index replaced by `*` (`model.layers.*.self_attn.q_proj`)."""
        if self.stack is None:
            return self.key
        return f"{self.stack}.*.{self.path}"


def stacks(inv: Inventory) -> list[str]:
    """The outermost module lists of numbered blocks (`model.layers`, `encoder.block` ...).

    A list inside a block (T5's `layer`, legacy MoE `experts`) belongs to that block, not a stack.
    """
    lists = [m.name for m in inv.modules if m.name and m.kind in LIST_KINDS]
    children: dict[str, list[str]] = {name: [] for name in lists}
    for module in inv.modules:
        parent, _, leaf = module.name.rpartition(".")
        if parent in children:
            children[parent].append(leaf)
    found: list[str] = []
    for name in lists:
        if not children[name] or not all(_INDEX.match(leaf) for leaf in children[name]):
            continue
        if any(name.startswith(f"{outer}.") for outer in found):
            continue
        found.append(name)
    return found


def _locate(name: str, stack_names: list[str]) -> tuple[str | None, int | None, str]:
    for stack in stack_names:
        prefix = stack + "."
        if name.startswith(prefix):
            index, _, rest = name[len(prefix) :].partition(".")
            if _INDEX.match(index) and rest:
                return stack, int(index), rest
    return None, None, name


class Anatomy:
    """The places of one model, computed once."""

    def __init__(self, inv: Inventory):
        self.inv = inv
        self.stacks = stacks(inv)
        self._heads = heads.task_heads(inv)

    @cached_property
    def hidden_size(self) -> int | None:
        hidden = self.inv.config_facts.get("hidden_size")
        if isinstance(hidden, int):
            return hidden
        embed = self.inv.module(self.inv.input_embeddings or "")
        return embed.out_features if embed is not None else None

    @cached_property
    def places(self) -> list[Place]:
        out: list[Place] = []
        for module in self.inv.modules:
            if not module.name:
                continue
            stack, layer, path = _locate(module.name, self.stacks)
            if module.wrappable:
                section, role = self._classify(module, stack is not None)
                out.append(Place(module.name, module, None, section, role, stack, layer, path))
                continue
            for param, shape in module.params.items():
                role = self._parameter_role(module, param, shape)
                if role is not None:
                    key = f"{module.name}.{param}"
                    out.append(Place(key, module, param, "moe", role, stack, layer, f"{path}.{param}"))
        return out

    def _in_head(self, name: str) -> bool:
        return any(name == h or name.startswith(h + ".") for h in self._heads)

    def _classify(self, module: ModuleInfo, in_layer: bool) -> tuple[str, str]:
        name = module.name
        if name == self.inv.output_embeddings:
            return "head", "output"
        if not in_layer:
            if self._in_head(name):
                return "head", "task_head"
            if module.kind == "embedding":
                return "embedding", "input" if name == self.inv.input_embeddings else "embedding"
            return "other", "other"
        if module.kind == "mha":
            return "attention", "mha"
        if module.kind not in ("linear", "conv1d_hf"):
            return "other", "other"
        area = module_role(name)
        leaf_role = role_of(module.leaf)
        if area == ATTENTION:
            role = _ATTENTION_ROLES.get(leaf_role or "")
            return ("attention", role) if role else ("other", "other")
        if area == FFN:
            return "ffn", self._ffn_role(module, leaf_role)
        return "other", "other"

    def _ffn_role(self, module: ModuleInfo, leaf_role: str | None) -> str:
        if leaf_role in _FFN_ROLES:
            return _FFN_ROLES[leaf_role]
        hidden = self.hidden_size
        if hidden is not None and module.in_features is not None:
            if module.in_features == hidden and module.out_features != hidden:
                return "up"
            if module.out_features == hidden and module.in_features != hidden:
                return "down"
        # no shapes (a shipped inventory): BERT's `intermediate.dense` widens, the rest narrows
        return "up" if ".intermediate." in f".{module.name}." else "down"

    def _parameter_role(self, module: ModuleInfo, param: str, shape: list[int]) -> str | None:
        if len(shape) == 3 or (module.kind == "experts" and not shape):
            role = _FFN_ROLES.get(role_of(param) or "")
            return f"experts_{role}" if role else "experts"
        if (
            (len(shape) == 2 or not shape)
            and param == "weight"
            and module.kind == "other"
            and module.children == 0
            and module_role(module.name) == FFN
        ):
            return "router"  # a MoE router that is not an nn.Linear (transformers 5 TopKRouter)
        return None

    # -- lookups
    @cached_property
    def by_key(self) -> dict[str, Place]:
        return {p.key: p for p in self.places}

    def in_section(self, *sections: str) -> list[Place]:
        return [p for p in self.places if p.section in sections]

    def with_role(self, *roles: str) -> list[Place]:
        return [p for p in self.places if p.role in roles]
