"""Everything the checks need to know about a base model, as plain JSON-serialisable data.

An Inventory is built once from a model instantiated on the meta device (`linter.models.meta`) and
then read by pure-Python code only, so a cached Inventory lets a run finish without importing torch.
It records each module's full name, class, the LoRA layer kind PEFT would dispatch it to, shapes,
and each module's own parameters (for `target_parameters` and transformers-5 fused MoE experts).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

#: Bump when the stored shape changes: cached Inventories of another format are rebuilt.
INVENTORY_FORMAT = 1

#: Module kinds PEFT's `dispatch_default` can wrap with a LoRA layer.
WRAPPABLE_KINDS = frozenset({"linear", "conv1d_hf", "embedding", "conv1d", "conv2d", "conv3d", "mha"})
#: Kinds `all-linear` collects (`torch.nn.Linear` and transformers' `Conv1D`).
LINEAR_KINDS = frozenset({"linear", "conv1d_hf"})
#: Containers ModulesToSaveWrapper refuses (ModuleList, ModuleDict, ParameterList, ParameterDict).
LIST_KINDS = frozenset({"module_list", "module_dict"})


@dataclass(frozen=True)
class ModuleInfo:
    """One entry of `model.named_modules()`.

    `kind` is the LoRA layer PEFT would build for it ("linear", "conv1d_hf", "embedding", "conv1d",
    "conv2d", "conv3d", "mha") or what it is when LoRA cannot wrap it ("norm", "container",
    "module_list", "module_dict", "activation", "dropout", "rotary", "other", "mha_split").
    """

    name: str
    cls: str
    kind: str
    in_features: int | None = None
    out_features: int | None = None
    has_bias: bool = False
    #: the module's own parameters (recurse=False): name -> shape
    params: dict[str, list[int]] = field(default_factory=dict)
    #: number of direct child modules (0 for a leaf)
    children: int = 0

    @property
    def wrappable(self) -> bool:
        return self.kind in WRAPPABLE_KINDS

    @property
    def leaf(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@dataclass
class Inventory:
    """A model as the checks see it. Module order is `named_modules()` order, as PEFT walks it."""

    model_type: str
    model_class: str
    auto_class: str
    transformers_version: str
    modules: list[ModuleInfo]
    #: full names of the output and input embeddings (`get_output_embeddings()` ...), if any
    output_embeddings: str | None = None
    input_embeddings: str | None = None
    #: `config.tie_word_embeddings` and the parameter names transformers ties together
    tie_word_embeddings: bool = False
    tied_parameters: list[list[str]] = field(default_factory=list)
    #: transformers-5 weight-conversion family PEFT converts MoE targets for ("mixtral", "qwen2_moe")
    moe_conversion: str | None = None
    is_transformers_v5: bool = True
    total_parameters: int = 0
    architectures: list[str] = field(default_factory=list)
    trust_remote_code: bool = False
    #: structural config facts (hidden size, layers, heads) for reports
    config_facts: dict[str, Any] = field(default_factory=dict)
    #: False for the name-only inventories shipped with lora-lint (built without torch): module
    #: sizes and parameter shapes are unknown, so shape-based rules cannot run
    shapes: bool = True
    format: int = INVENTORY_FORMAT

    def __post_init__(self) -> None:
        self._by_name: dict[str, ModuleInfo] = {m.name: m for m in self.modules}

    def module(self, name: str) -> ModuleInfo | None:
        return self._by_name.get(name)

    @property
    def names(self) -> list[str]:
        """Module names as PEFT iterates them, root excluded."""
        return [m.name for m in self.modules if m.name]

    def leaf_names(self, kinds: frozenset[str] | None = None) -> list[str]:
        """Distinct leaf names, in first-seen order, optionally of some kinds only."""
        seen: dict[str, None] = {}
        for m in self.modules:
            if m.name and (kinds is None or m.kind in kinds):
                seen.setdefault(m.leaf, None)
        return list(seen)

    def parameters(self) -> list[tuple[str, str, list[int]]]:
        """(module name, parameter name, shape) for every module's own parameters."""
        return [(m.name, p, shape) for m in self.modules for p, shape in m.params.items()]

    def to_dict(self) -> dict[str, Any]:
        # by hand rather than dataclasses.asdict, whose deep copies dominate a 400B model's save
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "modules"}
        data["modules"] = [
            {
                "name": m.name,
                "cls": m.cls,
                "kind": m.kind,
                "in_features": m.in_features,
                "out_features": m.out_features,
                "has_bias": m.has_bias,
                "params": m.params,
                "children": m.children,
            }
            for m in self.modules
        ]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Inventory:
        if data.get("format") != INVENTORY_FORMAT:
            raise ValueError(f"inventory format {data.get('format')!r} is not {INVENTORY_FORMAT}")
        kwargs = dict(data)
        kwargs["modules"] = [ModuleInfo(**m) for m in data["modules"]]
        return cls(**kwargs)
