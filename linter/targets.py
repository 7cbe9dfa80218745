"""PEFT's LoRA matching semantics as a pure function over (LoRA options, Inventory).

This is the heart of lora-lint. `analyze` replays what `get_peft_model` does with a LoraConfig on a
model, in PEFT 0.21's order (peft/tuners/tuners_utils.py `inject_adapter`):

1. transformers-5 MoE conversion of legacy expert names (`w1`/`w2`/`w3` -> fused parameters);
2. architecture defaults when `target_modules` is None;
3. `"all-linear"` expansion and the condensing of lists of 20 or more entries;
4. per module: `exclude_modules`, the `modules_to_save` guard, str (regex fullmatch) or list (exact
   or `.`-suffix) matching, `layers_to_transform` / `layers_pattern`, then the layer dispatch;
5. `target_parameters`;
6. the no-match errors, then the `modules_to_save` wrapping (plain suffix) and task-type heads.

It returns which modules and parameters end up targeted, what each list entry matched, and every
condition under which PEFT would raise. Nothing here imports torch: the Inventory is plain data.
Its tests compare it with real PEFT on real models built on the meta device.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from linter import peft_facts as pf
from linter.models.inventory import LINEAR_KINDS, LIST_KINDS, Inventory, ModuleInfo


@dataclass(frozen=True)
class PeftFailure:
    """A condition under which PEFT raises when the adapter is built.

    `option` names the LoraConfig field to point at, `entry` an index or key inside it.
    """

    kind: str
    message: str
    option: str | None = None
    entry: int | str | None = None


@dataclass
class EntryResult:
    """What one entry of a list option matched."""

    index: int
    value: Any
    #: module (or parameter) names the entry matches by exact name or `.`-suffix, before filters
    matches: list[str] = field(default_factory=list)
    #: for MoE conversion: the transformers-5 parameter name PEFT rewrote this entry to
    converted_to: str | None = None


@dataclass
class TargetAnalysis:
    """The outcome of applying a LoRA config to a model, as PEFT would."""

    targeted_modules: list[str] = field(default_factory=list)
    targeted_parameters: list[str] = field(default_factory=list)
    failures: list[PeftFailure] = field(default_factory=list)
    #: effective `target_modules` after defaults / conversion / all-linear / condensing
    effective_target_modules: Any = None
    default_targets_used: bool = False
    target_entries: list[EntryResult] = field(default_factory=list)
    parameter_entries: list[EntryResult] = field(default_factory=list)
    exclude_entries: list[EntryResult] = field(default_factory=list)
    save_entries: list[EntryResult] = field(default_factory=list)
    #: modules matched by target_modules but kept from LoRA, and why
    excluded_by_exclude: list[str] = field(default_factory=list)
    excluded_by_save: list[str] = field(default_factory=list)
    dropped_by_layers: list[str] = field(default_factory=list)
    #: targeted modules LoRA cannot wrap
    unsupported: list[str] = field(default_factory=list)
    #: modules wrapped whole by ModulesToSaveWrapper (user entries and task-type heads)
    saved_modules: list[str] = field(default_factory=list)
    #: layer index PEFT reads from each module name (with the configured layers_pattern)
    layer_index: dict[str, int] = field(default_factory=dict)
    rank_pattern_unmatched: list[str] = field(default_factory=list)
    alpha_pattern_unmatched: list[str] = field(default_factory=list)
    #: fused MoE patterns PEFT adds (`{".*\\.gate_up_proj": 2r}`)
    moe_rank_pattern: dict[str, int] = field(default_factory=dict)
    moe_alpha_pattern: dict[str, Any] = field(default_factory=dict)
    #: options this analysis could not replay faithfully (e.g. layer_replication)
    approximations: list[str] = field(default_factory=list)

    @property
    def raises(self) -> bool:
        return bool(self.failures)


class _Config:
    """The mutable view of a LoraConfig that PEFT's injection reads and rewrites."""

    def __init__(self, options: dict[str, Any]):
        self.target_modules = _listify_set(options.get("target_modules"))
        self.exclude_modules = _listify_set(options.get("exclude_modules"))
        self.target_parameters = options.get("target_parameters")
        self.modules_to_save = options.get("modules_to_save")
        self.layers_to_transform = options.get("layers_to_transform")
        self.layers_pattern = options.get("layers_pattern")
        self.rank_pattern = _mapping(options.get("rank_pattern"), "rank_pattern")
        self.alpha_pattern = _mapping(options.get("alpha_pattern"), "alpha_pattern")
        self.r = options.get("r", 8)
        self.lora_alpha = options.get("lora_alpha", 8)
        self.task_type = options.get("task_type")


def _mapping(value: Any, option: str) -> dict:
    """A pattern option as a dict; any other value fails as PEFT's `.get` on it would (TypeError)."""
    if not value:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{option} must be a mapping, not {type(value).__name__}")
    return dict(value)


def _listify_set(value: Any) -> Any:
    """LoraConfig turns list targets into sets; keep lists (ordered, deduplicated) for reporting."""
    if isinstance(value, (list, tuple, set)):
        return list(dict.fromkeys(value))
    return value


def _suffix_match(key: str, entries: Any) -> bool:
    return key in entries or any(key.endswith(f".{e}") for e in entries)


def _layer_index(key: str, layers_pattern: Any) -> int | None:
    if layers_pattern is None or len(layers_pattern) == 0:
        match = re.match(r".*?\.[^.]*\.(?P<idx>\d+)\.", key)
    else:
        patterns = [layers_pattern] if isinstance(layers_pattern, str) else layers_pattern
        match = None
        for pattern in patterns:
            match = re.match(rf"(?:^|.*?\.){pattern}\.(?P<idx>\d+)\.", key)
            if match is not None:
                break
    if match is None:
        return None
    idx = match.groupdict().get("idx")
    return None if idx is None else int(idx)


def layer_index_of(name: str, layers_pattern: Any = None) -> int | None:
    """The layer index PEFT reads from one module name, or None."""
    try:
        return _layer_index(name, layers_pattern)
    except (re.error, TypeError):  # an invalid pattern, or one of a type PEFT cannot use either
        return None


def layer_indices(inv: Inventory, layers_pattern: Any = None) -> set[int]:
    """Every layer index PEFT can read from the model's module names under `layers_pattern`."""
    found = set()
    try:
        for module in inv.modules:
            if module.name:
                index = _layer_index(module.name, layers_pattern)
                if index is not None:
                    found.add(index)
    except (re.error, TypeError):
        return set()  # an invalid pattern (or type) is reported as such: PEFT raises too
    return found


def _uses_layer_indexes(layers: Any) -> bool:
    return layers is not None and (len(layers) != 0 if isinstance(layers, list) else True)


def _check_target(config: _Config, key: str, result: TargetAnalysis | None = None) -> str:
    """`check_target_module_exists`: returns "excluded", "saved", "layers", "match" or "no"."""
    if config.exclude_modules:
        if isinstance(config.exclude_modules, str):
            if re.fullmatch(config.exclude_modules, key):
                return "excluded"
        elif _suffix_match(key, config.exclude_modules):
            return "excluded"
    if config.modules_to_save:
        if any(re.match(rf"(^|.*\.){m}($|\..*)", key) for m in config.modules_to_save):
            return "saved"
    if config.target_modules is None and config.target_parameters is not None:
        return "no"
    if isinstance(config.target_modules, str):
        return "match" if re.fullmatch(config.target_modules, key) else "no"
    if key in config.target_modules:
        return "match"
    found = any(key.endswith(f".{t}") for t in config.target_modules)
    layers = config.layers_to_transform
    if _uses_layer_indexes(layers) and found:
        index = _layer_index(key, config.layers_pattern)
        if index is None:
            return "layers"
        found = index == layers if isinstance(layers, int) else index in layers
        if not found:
            return "layers"
    return "match" if found else "no"


def _all_linear(inv: Inventory, task_type: Any) -> list[str]:
    """`_maybe_include_all_linear_layers` on a transformers model."""
    names = [m.name for m in inv.modules if m.kind in LINEAR_KINDS]
    drop: set[str] = set()
    if inv.output_embeddings is not None:
        drop.add(inv.output_embeddings)
    elif task_type == "SEQ_CLS":
        for head in pf.SEQ_CLS_HEAD_NAMES:
            if inv.module(head) is not None:
                drop.add(head)
                break
    return [n for n in names if n not in drop]


def find_minimal_target_modules(target_modules: list[str], other_module_names: list[str]) -> list[str]:
    """A port of PEFT's `_find_minimal_target_modules` (condensing of long target lists)."""
    if isinstance(target_modules, str) or not target_modules:
        raise ValueError("target_modules should be a list or set of strings.")
    targets = set(target_modules)
    if "" in targets:
        raise ValueError("target_modules should not contain an empty string.")

    def suffixes(s: str) -> list[str]:
        parts = s.split(".")
        return [".".join(parts[i:]) for i in range(len(parts))][::-1]

    other_suffixes = {suffix for item in set(other_module_names) for suffix in suffixes(item)}
    required: set[str] = set()
    for _item, item_suffixes in sorted(((t, suffixes(t)) for t in targets), key=lambda tup: tup[1]):
        # PEFT asks `any(item.endswith("." + req) for req in required)`: that is whether one of the
        # item's own proper `.`-suffixes is required, a set lookup each (linear, not quadratic)
        covered = any(s in required for s in item_suffixes[:-1])
        for suffix in item_suffixes:
            if suffix in required or suffix in other_suffixes:
                continue
            if not covered:
                required.add(suffix)
                break
    return sorted(required) if required else sorted(targets)


def _is_all_linear(value: Any) -> bool:
    return isinstance(value, str) and value.lower() == pf.ALL_LINEAR


class _Analyzer:
    def __init__(self, options: dict[str, Any], inv: Inventory):
        self.options = options
        self.inv = inv
        self.config = _Config(options)
        self.result = TargetAnalysis()

    def fail(self, kind: str, message: str, option: str | None = None, entry: Any = None) -> None:
        self.result.failures.append(PeftFailure(kind, message, option, entry))

    # -- step 0: task-type heads added before injection (PeftModelForSequenceClassification)
    def add_heads_before(self) -> None:
        task = self.config.task_type
        if task in pf.TASK_HEADS_BEFORE_INJECTION:
            self.config.modules_to_save = _extend_heads(self.config.modules_to_save, pf.TASK_HEADS[task])

    # -- step 1: transformers-5 MoE conversion (utils/transformers_weight_conversion.py)
    def convert_moe(self) -> None:
        family = self.inv.moe_conversion if self.inv.is_transformers_v5 else None
        if family is None:
            return
        config = self.config
        mapping = pf.MOE_TARGET_MODULE_MAPPING[family]
        fused = pf.MOE_FUSED_TARGETS[family]
        if isinstance(config.target_modules, str):
            resolved = self._resolve_string_targets(mapping)
            if not resolved:
                return
            config.target_modules = sorted(resolved)
        parameters = list(dict.fromkeys(config.target_parameters or []))
        remaining: list[str] = []
        present: dict[str, set[str]] = {new: set() for new in fused}
        self.converted: dict[str, str] = {}
        for target in config.target_modules or []:
            mapped = next(
                ((old, new) for old, new in mapping.items() if target == old or target.endswith(f".{old}")),
                None,
            )
            if mapped is None:
                remaining.append(target)
                continue
            old, new = mapped
            self.converted[target] = new
            if new not in parameters:
                parameters.append(new)
            if new in fused:
                present.setdefault(new, set()).add(old)
        for new, required in fused.items():
            have = present.get(new, set())
            if 0 < len(have) < len(required):
                missing = ", ".join(sorted(set(required) - have))
                self.fail(
                    "moe-partial-fused",
                    f"transformers 5 fuses {' and '.join(required)} into {new}: PEFT cannot convert "
                    f"{', '.join(sorted(have))} without also targeting {missing}",
                    "target_modules",
                    next(t for t, n in self.converted.items() if n == new),
                )
            if len(have) == len(required) and len(required) > 1:
                key = rf".*\.{re.escape(new)}"
                factor = len(required)
                if isinstance(config.r, (int, float)):
                    config.rank_pattern[key] = config.r * factor
                    self.result.moe_rank_pattern[key] = config.r * factor
                if isinstance(config.lora_alpha, (int, float)):
                    config.alpha_pattern[key] = config.lora_alpha * factor
                    self.result.moe_alpha_pattern[key] = config.lora_alpha * factor
        config.target_parameters = parameters
        config.target_modules = remaining

    def _resolve_string_targets(self, mapping: dict[str, str]) -> set[str]:
        config = self.config
        if _is_all_linear(config.target_modules):
            names = _all_linear(self.inv, config.task_type)
            return {n.rsplit(".", 1)[-1] for n in names} | set(mapping)
        param_keys = [f"{m}.{p}" if m else p for m, p, _ in self.inv.parameters()]
        matched = {
            key.rsplit(".", 1)[-1]
            for key in [m.name for m in self.inv.modules] + param_keys
            if _check_target(config, key) == "match"
        }
        containers: dict[str, list[str]] = {}
        for key in param_keys:
            container, _, leaf = key.rpartition(".")
            containers.setdefault(leaf, []).append(container)
        for old, new in mapping.items():
            if old in matched:
                continue
            for container in containers.get(new, ()):
                if _check_target(config, f"{container}.{old}") == "match":
                    matched.add(old)
                    break
        return matched

    # -- step 2: architecture defaults (LoraModel._prepare_adapter_config)
    def apply_defaults(self) -> bool:
        config = self.config
        if config.target_modules is not None:
            return True
        default = pf.DEFAULT_TARGET_MODULES.get(self.inv.model_type)
        if default is not None:
            config.target_modules = default if isinstance(default, str) else list(default)
            self.result.default_targets_used = True
        elif not config.target_parameters:
            self.fail(
                "no-default-targets",
                f"PEFT has no default target_modules for model_type {self.inv.model_type!r}: "
                "set target_modules or target_parameters",
                "target_modules",
            )
            return False
        return True

    # -- step 3: all-linear and condensing
    def expand(self) -> None:
        config = self.config
        if _is_all_linear(config.target_modules):
            config.target_modules = _all_linear(self.inv, config.task_type)
        targets = config.target_modules
        if isinstance(targets, list) and len(targets) >= pf.MIN_TARGET_MODULES_FOR_OPTIMIZATION:
            suffixes = tuple("." + t for t in targets)
            others = [m.name for m in self.inv.modules if m.name not in targets and not m.name.endswith(suffixes)]
            try:
                condensed = find_minimal_target_modules(targets, others)
            except ValueError as exc:
                self.fail("bad-target-list", f"PEFT rejects this target list: {exc}", "target_modules")
                return
            if len(condensed) < len(set(targets)):
                config.target_modules = condensed

    # -- step 4: module matching and dispatch
    def match_modules(self) -> None:
        config, result = self.config, self.result
        self.unmatched = 0
        for module in self.inv.modules:
            if not module.name:
                continue
            verdict = _check_target(config, module.name)
            if verdict == "excluded":
                result.excluded_by_exclude.append(module.name)
            elif verdict == "saved":
                result.excluded_by_save.append(module.name)
            elif verdict == "layers":
                result.dropped_by_layers.append(module.name)
                self.unmatched += 1
            elif verdict == "no":
                self.unmatched += 1
            else:
                result.targeted_modules.append(module.name)
                self._check_wrappable(module)

    def _rank_for(self, key: str) -> tuple[Any, Any]:
        config = self.config
        r_key = _pattern_key(config.rank_pattern, key)
        a_key = _pattern_key(config.alpha_pattern, key)
        return config.rank_pattern.get(r_key, config.r), config.alpha_pattern.get(a_key, config.lora_alpha)

    def _check_wrappable(self, module: ModuleInfo) -> None:
        if self.inv.model_type in pf.MAMBA_MODEL_TYPES and module.leaf in pf.MAMBA_INCOMPATIBLE_MODULES:
            self.fail(
                "mamba-incompatible",
                f"PEFT refuses LoRA on {module.leaf!r} in Mamba-based models ({self.inv.model_type})",
                "target_modules",
                module.name,
            )
        if not module.wrappable:
            self.result.unsupported.append(module.name)
            self.fail(
                "unsupported-module",
                f"{module.name} is a {module.cls}, which LoRA cannot wrap",
                "target_modules",
                module.name,
            )
            return
        self._check_layer_options(module.name, module.kind)

    def _check_layer_options(self, key: str, kind: str) -> None:
        options = self.options
        rank, _ = self._rank_for(key)
        if isinstance(rank, (int, float)) and not isinstance(rank, bool) and rank <= 0:
            self.fail("bad-rank", f"rank {rank} for {key}: PEFT needs a positive r", "r")
        dropout = options.get("lora_dropout", 0.0)
        if isinstance(dropout, (int, float)) and dropout > 1:
            self.fail("bad-dropout", f"lora_dropout {dropout} is not a probability", "lora_dropout")
        if kind == "mha" and options.get("use_dora"):
            self.fail("dora-mha", f"DoRA does not support MultiheadAttention ({key})", "use_dora")
        if kind == "mha_split":
            self.fail(
                "unsupported-module",
                f"{key}: LoRA supports MultiheadAttention only with equal q/k/v dimensions",
                "target_modules",
                key,
            )
        if kind == "embedding" and options.get("lora_bias"):
            self.fail("lora-bias-embedding", f"lora_bias is not supported on embedding {key}", "lora_bias")

    # -- step 5: target_parameters (BaseTuner._inject_parameters)
    def match_parameters(self) -> None:
        config, result = self.config, self.result
        if not config.target_parameters:
            return
        names = sorted(set(config.target_parameters))
        targeted = set(result.targeted_modules)
        for module_name, param, shape in self.inv.parameters():
            key = f"{module_name}.{param}"
            if not (key in names or any(key.endswith(f".{t}") for t in names)):
                continue
            if module_name == "":
                self.fail(
                    "parameter-on-root",
                    f"PEFT cannot target parameter {param!r} of the top-level module",
                    "target_parameters",
                    param,
                )
                continue
            if module_name in targeted:
                self.fail(
                    "parameter-on-targeted-module",
                    f"{key} belongs to {module_name}, which target_modules already targets",
                    "target_parameters",
                    param,
                )
                continue
            result.targeted_parameters.append(key)
            # name-only inventories (shipped, torch-free) record no shapes: nothing to check there
            if self.inv.shapes and len(shape) not in (2, 3):
                self.fail(
                    "parameter-shape",
                    f"{key} has {len(shape)} dimensions; LoRA needs 2 or 3",
                    "target_parameters",
                    param,
                )
            self._check_parameter_options(key)

    def _check_parameter_options(self, key: str) -> None:
        options = self.options
        for option, label in (
            ("lora_dropout", "lora_dropout != 0"),
            ("fan_in_fan_out", "fan_in_fan_out"),
            ("lora_bias", "lora_bias"),
            ("use_dora", "DoRA"),
            ("velora_config", "velora_config"),
            ("kasa_config", "kasa_config"),
        ):
            if options.get(option):
                self.fail("parameter-option", f"target_parameters does not work with {label} ({key})", option)
        rank, _ = self._rank_for(key)
        if isinstance(rank, (int, float)) and not isinstance(rank, bool) and rank <= 0:
            self.fail("bad-rank", f"rank {rank} for {key}: PEFT needs a positive r", "r")

    # -- step 6: the no-match errors
    def check_nothing_targeted(self) -> None:
        config, result = self.config, self.result
        if result.targeted_modules or result.targeted_parameters:
            return
        excluded = bool(result.excluded_by_exclude or result.excluded_by_save)
        unmatched = self.unmatched > 0
        if excluded and not unmatched:
            message = "every matched module is excluded (exclude_modules / modules_to_save)"
        elif not excluded and unmatched and not config.target_modules:
            message = "no target_modules and no matching target_parameters: LoRA would adapt nothing"
        elif not excluded and unmatched:
            message = "no entry of target_modules matches a module of this model"
        else:
            message = "no module is left to adapt: the matches are excluded by exclude_modules or modules_to_save"
        if result.dropped_by_layers and not excluded:
            message += " in the layers selected by layers_to_transform"
        self.fail("nothing-targeted", message, "target_modules")

    # -- step 7: modules_to_save wrapping and task-type heads (utils/other.py `_set_trainable`)
    def wrap_saved(self) -> None:
        self._wrap(self.config.modules_to_save, "modules_to_save")
        task = self.config.task_type
        if task in pf.TASK_HEADS and task not in pf.TASK_HEADS_BEFORE_INJECTION:
            heads = _extend_heads(self.config.modules_to_save, pf.TASK_HEADS[task])
            self._wrap(heads, "task_type")

    def _wrap(self, entries: Any, option: str) -> None:
        if not entries:
            return
        targeted = set(self.result.targeted_modules)
        wrapped_params = {key.rpartition(".")[0] for key in self.result.targeted_parameters}
        for key, kind in self._modified_model_keys(targeted, wrapped_params):
            if not any(key.endswith(entry) for entry in entries):
                continue
            entry = next(e for e in entries if key.endswith(e))
            if kind == "lora":
                self.fail(
                    "save-wraps-lora-layer",
                    f"{key} gets LoRA and also matches {option} entry {entry!r}: PEFT raises TypeError",
                    option,
                    entry,
                )
            elif kind == "list":
                self.fail(
                    "save-wraps-list",
                    f"{key} is a module list/dict, which modules_to_save cannot wrap",
                    option,
                    entry,
                )
            elif kind == "adapter":
                self.fail(
                    "save-wraps-adapter",
                    f"{key} is inside a LoRA layer; modules_to_save cannot wrap it",
                    option,
                    entry,
                )
            elif key not in self.result.saved_modules:
                self.result.saved_modules.append(key)

    def _modified_model_keys(self, targeted: set[str], wrapped_params: set[str]):
        """Module names after injection, with LoRA layers' own children, tagged by what they are."""
        dora = bool(self.options.get("use_dora"))
        for module in self.inv.modules:
            if not module.name:
                continue
            if module.name in targeted:
                yield module.name, "lora"
                for child, child_kind in pf.LORA_LAYER_CHILDREN.items():
                    if module.kind == "embedding" and child in ("lora_A.default", "lora_B.default"):
                        continue
                    yield f"{module.name}.{child}", child_kind
                if dora:
                    yield f"{module.name}.lora_magnitude_vector.default", "adapter"
            elif module.name in wrapped_params:
                yield module.name, "lora"
            elif module.kind in LIST_KINDS:
                yield module.name, "list"
            else:
                yield module.name, "module"

    def check_token_indices(self) -> None:
        indices = self.options.get("trainable_token_indices")
        saved = self.config.modules_to_save
        if indices is None or not saved:
            return
        layers = list(indices) if isinstance(indices, dict) else [self.inv.input_embeddings or "embed_tokens"]
        for layer in layers:
            if layer in saved:
                self.fail(
                    "token-indices-saved",
                    f"{layer} is both in modules_to_save and trainable_token_indices",
                    "trainable_token_indices",
                )

    # -- entry-level bookkeeping on the user's own lists
    def record_entries(self) -> None:
        options, result = self.options, self.result
        names = [m.name for m in self.inv.modules if m.name]
        converted = getattr(self, "converted", {})
        targets = options.get("target_modules")
        if isinstance(targets, list):
            param_keys = [f"{m}.{p}" for m, p, _ in self.inv.parameters()]
            for i, entry in enumerate(targets):
                if not isinstance(entry, str):
                    continue
                if entry in converted:
                    new = converted[entry]
                    matches = [k for k in param_keys if k == new or k.endswith(f".{new}")]
                    result.target_entries.append(EntryResult(i, entry, matches, converted_to=new))
                else:
                    result.target_entries.append(EntryResult(i, entry, _matches(names, entry)))
        params = options.get("target_parameters")
        if isinstance(params, list):
            param_keys = [f"{m}.{p}" for m, p, _ in self.inv.parameters()]
            for i, entry in enumerate(params):
                if isinstance(entry, str):
                    result.parameter_entries.append(EntryResult(i, entry, _matches(param_keys, entry)))
        excludes = options.get("exclude_modules")
        if isinstance(excludes, list):
            for i, entry in enumerate(excludes):
                if isinstance(entry, str):
                    result.exclude_entries.append(EntryResult(i, entry, _matches(names, entry)))
        saved = options.get("modules_to_save")
        if isinstance(saved, list):
            for i, entry in enumerate(saved):
                if isinstance(entry, str):
                    hits = [n for n in names if n.endswith(entry)]
                    result.save_entries.append(EntryResult(i, entry, hits))

    def record_patterns(self) -> None:
        result = self.result
        keys = result.targeted_modules + result.targeted_parameters
        for attr, out in (
            ("rank_pattern", result.rank_pattern_unmatched),
            ("alpha_pattern", result.alpha_pattern_unmatched),
        ):
            patterns = self.options.get(attr) or {}
            if not isinstance(patterns, dict):
                continue
            for pattern in patterns:
                if not isinstance(pattern, str):
                    continue
                if not any(re.match(rf"(.*\.)?({pattern})$", k) for k in keys):
                    out.append(pattern)

    def run(self) -> TargetAnalysis:
        result = self.result
        if self.options.get("layer_replication"):
            result.approximations.append("layer_replication")
        if self.options.get("target_modules") == pf.DUMMY_TARGET_MODULES:
            return result
        self.add_heads_before()
        self.convert_moe()
        if not result.failures and self.apply_defaults():
            self.expand()
        if not result.failures:
            self.match_modules()
            self.match_parameters()
            self.check_nothing_targeted()
            if not result.failures:
                self.wrap_saved()
                self.check_token_indices()
        result.effective_target_modules = self.config.target_modules
        self.record_entries()
        self.record_patterns()
        return result


def _matches(names: list[str], entry: str) -> list[str]:
    suffix = f".{entry}"
    return [n for n in names if n == entry or n.endswith(suffix)]


def rank_and_alpha(options: dict[str, Any], analysis: TargetAnalysis, key: str) -> tuple[Any, Any, str | None]:
    """The rank and alpha PEFT gives module (or parameter) `key`, and the rank_pattern key used.

    PEFT appends its fused-MoE patterns after the user's, so the user's keys match first.
    """
    ranks = {**(options.get("rank_pattern") or {}), **analysis.moe_rank_pattern}
    alphas = {**(options.get("alpha_pattern") or {}), **analysis.moe_alpha_pattern}
    r_key = _pattern_key(ranks, key)
    a_key = _pattern_key(alphas, key)
    rank = ranks.get(r_key, options.get("r", 8))
    alpha = alphas.get(a_key, options.get("lora_alpha", 8))
    return rank, alpha, (r_key if r_key in ranks and r_key in (options.get("rank_pattern") or {}) else None)


def _pattern_key(patterns: dict[str, Any], key: str) -> str:
    for pattern in patterns:
        if re.match(rf"(.*\.)?({pattern})$", key):
            return pattern
    return key


def _extend_heads(saved: Any, heads: tuple[str, ...]) -> list[str]:
    if saved is None:
        return list(heads)
    if isinstance(saved, str):
        saved = list(saved)
    return list(saved) + list(heads)


def invalid_regexes(options: dict[str, Any]) -> list[PeftFailure]:
    """Every option value PEFT compiles as a regular expression and that does not compile."""
    failures = []

    def check(value: Any, option: str, entry: Any = None) -> None:
        if not isinstance(value, str):
            return
        try:
            re.compile(value)
        except re.error as exc:
            failures.append(
                PeftFailure("bad-regex", f"{value!r} is not a valid regular expression: {exc}", option, entry)
            )

    for option in ("target_modules", "exclude_modules"):
        value = options.get(option)
        if isinstance(value, str) and not _is_all_linear(value):
            check(value, option)
    for option in ("modules_to_save", "layers_pattern"):
        value = options.get(option)
        if isinstance(value, list):
            for i, entry in enumerate(value):
                check(entry, option, i)
        elif option == "layers_pattern":
            check(value, option)
    for option in ("rank_pattern", "alpha_pattern"):
        value = options.get(option)
        if isinstance(value, dict):
            for key in value:
                check(key, option, key)
    return failures


def analyze(options: dict[str, Any], inv: Inventory) -> TargetAnalysis:
    """Replay PEFT's injection of a LoRA config with `options` (LoraConfig kwargs) on `inv`.

    A regex that does not compile is reported as a failure (PEFT raises `re.error`) and stops the
    replay, since nothing after it is defined. So does a value of the wrong type where the replay,
    like PEFT's own code, cannot use it (`target_modules: true`): the schema says what is wrong.
    """
    with warnings.catch_warnings():  # "Possible nested set" and kin: the user's regex, not ours to warn about
        warnings.simplefilter("ignore", FutureWarning)
        return _analyze(options, inv)


def _analyze(options: dict[str, Any], inv: Inventory) -> TargetAnalysis:
    bad = invalid_regexes(options)
    if bad:
        return TargetAnalysis(failures=bad)
    try:
        analyzer = _Analyzer(options, inv)
        return analyzer.run()
    except re.error as exc:  # a pattern valid alone but not inside PEFT's composite regex
        analyzer.result.failures.append(PeftFailure("bad-regex", f"invalid regular expression: {exc}"))
        return analyzer.result
    except (TypeError, AttributeError) as exc:  # PEFT fails the same way on such a value
        return TargetAnalysis(failures=[PeftFailure("bad-type", f"an option has a type PEFT cannot use ({exc})")])
