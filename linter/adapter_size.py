"""How many parameters a LoRA adapter trains, to the parameter, without building it.

`adapter_size` computes what PEFT 0.21's `PeftModel.get_nb_trainable_parameters()` returns for a
config on a model: `(trainable, all_param)`, where `all_param` counts every parameter of the PEFT model
(tied parameters once), i.e. the base model, the LoRA weights and the trainable copies that
`modules_to_save` makes. It replays, over plain data (an Inventory and the TargetAnalysis of
`linter.targets.analyze`), the steps of `get_peft_model` that create or unfreeze parameters:

1. LoRA layers (`peft/tuners/lora/layer.py` `update_layer`): `lora_A` (r x in) and `lora_B` (out x r,
   plus an `out` bias with `lora_bias`) for Linear / transformers Conv1D / Embedding; conv weights
   `(r, in, *kernel)` and `(out, r / groups, 1, ...)` for ConvNd; both `in_proj` (out = 3E) and `out_proj`
   for MultiheadAttention; `r * experts` rows for a 3-D parameter (`ParamWrapper`); one DoRA magnitude
   per output feature (`lora_magnitude_vector`). Rank comes from `rank_pattern` (PEFT's
   `get_pattern_key`: first key in dict order with `re.match(rf"(.*\\.)?({key})$", name)`), with the
   fused-MoE keys PEFT adds on transformers 5.
2. `_mark_only_adapters_as_trainable`: every base parameter is frozen; `bias="all"` unfreezes every
   parameter named `bias`, `bias="lora_only"` the bias of each LoRA layer's base layer.
3. `modules_to_save` (`ModulesToSaveWrapper`): the original module is frozen (with any parameter tied to
   it) and a deep copy is added and trained. The copy holds each of the module's parameters once, so a
   parameter tied to one outside the module (GPT-2's `lm_head` and `wte`) is duplicated, while one tied
   inside it is not. A saved module nested in another saved module is wrapped inside the outer copy:
   that part of the outer copy is frozen and a second copy of the inner module trains.

Pure Python: nothing here imports torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from linter.models.inventory import Inventory, ModuleInfo
from linter.targets import TargetAnalysis, rank_and_alpha

#: LoraConfig options that change the parameter count in ways `adapter_size` does not replay.
UNMODELLED_OPTIONS = (
    "trainable_token_indices",
    "layer_replication",
    "velora_config",
    "kasa_config",
    "use_bdlora",
    "monteclora_config",
    "arrow_config",
    "use_qalora",
    "megatron_config",
)


@dataclass(frozen=True)
class AdapterSize:
    """What `PeftModel.get_nb_trainable_parameters()` would return, with a per-module breakdown."""

    #: == PEFT get_nb_trainable_parameters()[0]
    trainable: int
    #: == PEFT get_nb_trainable_parameters()[1]: base + adapter + modules_to_save copies
    all_parameters: int
    #: the base model's own parameter count (tied parameters once)
    base_parameters: int
    #: trainable parameters per targeted module, targeted parameter (`module.param`), saved module,
    #: and (with `bias="all"`) per module whose bias is unfrozen; full names. Sums to `trainable`.
    by_module: dict[str, int] = field(default_factory=dict)
    #: options set in the config whose effect on the count is not replayed (the numbers ignore them)
    unmodelled: tuple[str, ...] = ()

    @property
    def percent_of_base(self) -> float:
        return 100.0 * self.trainable / self.base_parameters if self.base_parameters else 0.0

    @property
    def exact(self) -> bool:
        return not self.unmodelled


@dataclass
class _Param:
    numel: int
    trainable: bool
    owner: str
    #: the module the parameter lives in, by its pre-injection name (for modules_to_save subtrees)
    location: str


@dataclass
class _Wrapper:
    """One ModulesToSaveWrapper: its trainable copy, by source parameter."""

    copies: dict[str, _Param]
    #: the wrappers whose copy contains this wrapper (it was set inside their copy)
    inside: tuple[str, ...] = ()


def _numel(shape: list[int] | tuple[int, ...]) -> int:
    return math.prod(int(d) for d in shape)


def _under(name: str, root: str) -> bool:
    return root == "" or name == root or name.startswith(root + ".")


def _as_rank(value: Any) -> int:
    """A rank as a count; a value PEFT refuses (`analyze` reports it) counts as 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value == float("inf"):
        return 0  # also NaN and infinity, which no layer can have
    return int(value)


class _Sizer:
    def __init__(self, options: dict[str, Any], inv: Inventory, analysis: TargetAnalysis):
        self.options = options
        self.inv = inv
        self.analysis = analysis
        self.lora_bias = bool(options.get("lora_bias"))
        self.use_dora = bool(options.get("use_dora"))
        self.train = not options.get("inference_mode", False)
        self.base: dict[str, _Param] = {}
        self.base_names: dict[str, list[str]] = {}
        self.ident_of: dict[str, str] = {}
        self.adapters: list[_Param] = []
        self.wrappers: dict[str, _Wrapper] = {}
        #: the name `model.named_parameters()` yields for each distinct parameter (the first one)
        self.first_name: dict[str, str] = {}

    # -- the base model, one record per distinct parameter (tied parameters share one)
    def collect_base(self) -> None:
        canonical: dict[str, str] = {}
        for group in self.inv.tied_parameters:
            for name in group:
                canonical.setdefault(name, group[0])
        for module in self.inv.modules:
            for pname, shape in module.params.items():
                full = f"{module.name}.{pname}" if module.name else pname
                ident = canonical.get(full, full)
                if ident not in self.base:
                    self.first_name[ident] = full
                    self.base[ident] = _Param(_numel(shape), False, module.name, module.name)
                self.base_names.setdefault(ident, []).append(full)
                self.ident_of[full] = ident

    def rank(self, key: str) -> int:
        return _as_rank(rank_and_alpha(self.options, self.analysis, key)[0])

    # -- step 1: LoRA layers
    def add(self, numel: int, owner: str, location: str) -> None:
        if numel:
            self.adapters.append(_Param(numel, self.train, owner, location))

    def lora_module(self, module: ModuleInfo) -> None:
        r = self.rank(module.name)
        name, kind = module.name, module.kind
        in_f, out_f = module.in_features or 0, module.out_features or 0
        if kind in ("linear", "conv1d_hf", "embedding"):
            self.add(r * in_f + r * out_f, name, name)
            if self.lora_bias and kind != "embedding":
                self.add(out_f, name, name)
            if self.use_dora:
                self.add(out_f, name, name)
        elif kind in ("conv1d", "conv2d", "conv3d"):
            weight = module.params.get("weight") or [out_f, in_f, 1]
            kernel = _numel(weight[2:])
            groups = max(1, in_f // weight[1]) if weight[1] else 1
            self.add(r * in_f * kernel, name, name)  # lora_A: conv(in, r, kernel)
            self.add(out_f * (r // groups), name, name)  # lora_B: conv(r, out, 1, groups=groups)
            if self.lora_bias:
                self.add(out_f, name, name)
            if self.use_dora:
                self.add(out_f, name, name)
        elif kind == "mha":
            # in_proj (E -> 3E) on the MultiheadAttention itself, out_proj (E -> E) as a nested lora.Linear
            embed = in_f
            self.add(r * embed + r * 3 * embed, name, name)
            self.add(r * embed + r * embed, name, f"{name}.out_proj")
            if self.lora_bias:
                self.add(3 * embed, name, name)
                self.add(embed, name, f"{name}.out_proj")

    def lora_parameter(self, key: str) -> None:
        module_name, _, pname = key.rpartition(".")
        module = self.inv.module(module_name)
        shape = module.params.get(pname) if module is not None else None
        if not shape:
            return
        r = self.rank(key)
        if len(shape) == 3:
            experts, dim_a, dim_b = shape
            self.add(r * experts * (dim_a + dim_b), key, module_name)
        elif len(shape) == 2:
            self.add(r * (shape[0] + shape[1]), key, module_name)

    # -- step 2: bias="all" / "lora_only"
    def unfreeze_biases(self) -> dict[str, str]:
        """Base parameter identities made trainable, mapped to the by_module key they count under."""
        bias = self.options.get("bias", "none")
        out: dict[str, str] = {}
        if bias == "all":
            for ident, param in self.base.items():
                full = self.first_name[ident]
                if full == "bias" or full.endswith(".bias"):
                    out[ident] = param.owner
        elif isinstance(bias, str) and bias.endswith("_only"):
            layers = list(self.analysis.targeted_modules)
            layers += [key.rpartition(".")[0] for key in self.analysis.targeted_parameters]
            for name in dict.fromkeys(layers):
                module = self.inv.module(name)
                if module is None:
                    continue
                # the MultiheadAttention layer has no `bias`; its nested out_proj layer does
                holder = f"{name}.out_proj" if module.kind == "mha" else name
                ident = self.ident_of.get(f"{holder}.bias" if holder else "bias")
                if ident is not None:
                    out.setdefault(ident, name)
        return out

    # -- step 3: modules_to_save
    def save(self, saved: str) -> None:
        """`_set_trainable` on one module, as `get_submodule` resolves it through earlier wrappers."""
        parts = saved.split(".")
        grandparent = ".".join(parts[:-2])
        if len(parts) > 2 and grandparent in self.wrappers:
            # the grandparent is a ModulesToSaveWrapper: PEFT only calls its `update`, which makes its
            # whole copy trainable again (nested wrappers inside that copy included)
            for name, wrapper in self.wrappers.items():
                if name == grandparent or grandparent in wrapper.inside:
                    for copy in wrapper.copies.values():
                        copy.trainable = self.train
            return
        sources: dict[str, int] = {}
        for ident, names in self.base_names.items():
            if any(_under(n.rpartition(".")[0], saved) for n in names):
                sources[f"b:{ident}"] = self.base[ident].numel
                self.base[ident].trainable = False  # the original (and whatever is tied to it) is frozen
        for i, param in enumerate(self.adapters):
            if _under(param.location, saved):
                sources[f"a:{i}"] = param.numel
                param.trainable = False
        inside: tuple[str, ...] = ()
        outer = max((w for w in self.wrappers if _under(saved, w) and w != saved), key=len, default=None)
        if outer is not None:
            # `get_submodule` resolves `saved` inside the nearest wrapper's copy: that part is the
            # original module now, and frozen
            for source, copy in self.wrappers[outer].copies.items():
                if source in sources:
                    copy.trainable = False
            depth = len(parts) - len(outer.split("."))
            # depth 1: the new wrapper is set on the outer wrapper itself; deeper: inside its copy
            inside = self.wrappers[outer].inside + ((outer,) if depth >= 3 else ())
        copies = {source: _Param(numel, self.train, saved, saved) for source, numel in sources.items()}
        self.wrappers[saved] = _Wrapper(copies, inside)

    def run(self) -> AdapterSize:
        self.collect_base()
        for name in self.analysis.targeted_modules:
            module = self.inv.module(name)
            if module is not None:
                self.lora_module(module)
        for key in self.analysis.targeted_parameters:
            self.lora_parameter(key)
        bias_owner = self.unfreeze_biases()
        for ident in bias_owner:
            self.base[ident].trainable = True
        for saved in self.analysis.saved_modules:
            self.save(saved)

        by_module: dict[str, int] = {}
        for ident, param in self.base.items():
            if param.trainable:
                key = bias_owner.get(ident, param.owner)
                by_module[key] = by_module.get(key, 0) + param.numel
        for param in self.adapters + [c for w in self.wrappers.values() for c in w.copies.values()]:
            if param.trainable:
                by_module[param.owner] = by_module.get(param.owner, 0) + param.numel
        trainable = sum(by_module.values())
        extra = sum(p.numel for p in self.adapters)
        extra += sum(c.numel for w in self.wrappers.values() for c in w.copies.values())
        base_total = self.inv.total_parameters or sum(p.numel for p in self.base.values())
        unmodelled = tuple(o for o in UNMODELLED_OPTIONS if self.options.get(o))
        if isinstance(self.options.get("init_lora_weights"), str) and (
            self.options["init_lora_weights"].lower() == "mica"
        ):
            unmodelled += ("init_lora_weights",)
        if self.options.get("ensure_weight_tying") and self.inv.tie_word_embeddings and self.inv.tied_parameters:
            # PEFT rewrites modules_to_save / target_modules to tie the embedding's adapter to the output
            # layer's (`_add_modules_to_save_to_tie`, `_add_targets_to_tie`); `analyze` does not replay it
            unmodelled += ("ensure_weight_tying",)
        return AdapterSize(
            trainable=trainable,
            all_parameters=base_total + extra,
            base_parameters=base_total,
            by_module=by_module,
            unmodelled=unmodelled,
        )


def adapter_size(options: dict[str, Any], inv: Inventory, analysis: TargetAnalysis) -> AdapterSize:
    """The parameter counts PEFT would report for LoRA `options` on `inv`, given `analyze`'s result.

    Only meaningful when `analysis.raises` is False (PEFT builds no model otherwise).
    """
    return _Sizer(options, inv, analysis).run()
