"""Build a base model on PyTorch's meta device and describe it as an Inventory.

This is the only module that imports torch or transformers, and it does so lazily: a run whose
Inventories are all cached (or that has no model to check) never pays for the import. The meta
device allocates no storage, so even a 405B-parameter model builds in well under a second.

Remote code is never executed unless the user passed `--trust-remote-code`; a config that needs it
is reported as such instead.
"""

from __future__ import annotations

import importlib.util
import logging
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

from linter.models.inventory import Inventory, ModuleInfo

#: The auto class PEFT's task type implies (PeftModelFor* wraps a model of this kind).
AUTO_CLASS_BY_TASK = {
    "CAUSAL_LM": "AutoModelForCausalLM",
    "SEQ_2_SEQ_LM": "AutoModelForSeq2SeqLM",
    "SEQ_CLS": "AutoModelForSequenceClassification",
    "TOKEN_CLS": "AutoModelForTokenClassification",
    "QUESTION_ANS": "AutoModelForQuestionAnswering",
    "FEATURE_EXTRACTION": "AutoModel",
}


class ModelBuildError(Exception):
    """The model could not be built; `reason` is a short category, the message says why."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def models_available() -> bool:
    """True when torch and transformers can be imported (the `models` extra is installed)."""
    return all(importlib.util.find_spec(name) is not None for name in ("torch", "transformers"))


@lru_cache(maxsize=1)
def transformers_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("transformers")
    except Exception:  # noqa: BLE001 - not installed
        return None


def choose_auto_class(config_dict: dict[str, Any], task_type: str | None) -> str:
    """The class name to build: the task type's auto class, else the config's first architecture."""
    if task_type in AUTO_CLASS_BY_TASK:
        return AUTO_CLASS_BY_TASK[task_type]
    architectures = config_dict.get("architectures") or []
    if architectures and isinstance(architectures[0], str):
        return architectures[0]
    return "AutoModelForCausalLM"


def build_inventory(
    config_dict: dict[str, Any],
    class_name: str,
    *,
    model_dir: Path | None = None,
    trust_remote_code: bool = False,
) -> Inventory:
    """Instantiate `class_name` from `config_dict` on the meta device and return its Inventory."""
    import torch
    import transformers

    config = _load_config(config_dict, model_dir, trust_remote_code)
    model_cls, auto_name = _resolve_class(transformers, class_name, config, config_dict.get("auto_map"))
    previous = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()
    try:
        with warnings.catch_warnings(), torch.device("meta"):
            warnings.simplefilter("ignore")
            if auto_name.startswith("Auto"):
                model = model_cls.from_config(config, trust_remote_code=trust_remote_code)
            else:
                model = model_cls._from_config(config)
    except ValueError as exc:
        if "Unrecognized configuration class" in str(exc):
            raise ModelBuildError(
                "no-class-for-task",
                f"{auto_name} has no model class for model_type {config.model_type!r}",
            ) from exc
        raise ModelBuildError("build-failed", f"transformers could not build the model: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - any failure inside transformers is reported, not raised
        raise ModelBuildError("build-failed", f"transformers could not build the model: {exc}") from exc
    finally:
        transformers.logging.set_verbosity(previous)
    return _describe(model, auto_name, transformers.__version__, trust_remote_code)


def _load_config(config_dict: dict[str, Any], model_dir: Path | None, trust_remote_code: bool) -> Any:
    from transformers import AutoConfig
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    model_type = config_dict.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        raise ModelBuildError("no-model-type", "config.json has no model_type")
    if model_type in CONFIG_MAPPING:
        # transformers itself prefers its native class over an `auto_map` without trust_remote_code
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return CONFIG_MAPPING[model_type].from_dict(dict(config_dict))
        except Exception as exc:  # noqa: BLE001
            raise ModelBuildError("bad-config", f"config.json is not a valid {model_type} config: {exc}") from exc
    if "auto_map" in config_dict:
        if not trust_remote_code:
            raise ModelBuildError(
                "needs-remote-code",
                f"model_type {model_type!r} needs the model's own Python code (auto_map); "
                "pass --trust-remote-code to allow running it",
            )
        if model_dir is None:
            raise ModelBuildError(
                "needs-remote-code", f"model_type {model_type!r} needs remote code that is not on disk"
            )
        try:
            return AutoConfig.from_pretrained(str(model_dir), trust_remote_code=True)
        except Exception as exc:  # noqa: BLE001
            raise ModelBuildError("bad-config", f"remote-code config failed to load: {exc}") from exc
    raise ModelBuildError(
        "unknown-model-type",
        f"model_type {model_type!r} is not known to transformers {transformers_version()}",
    )


def _resolve_class(transformers: Any, class_name: str, config: Any, auto_map: Any) -> tuple[Any, str]:
    model_cls = getattr(transformers, class_name, None)
    if model_cls is not None:
        return model_cls, class_name
    # an architecture this transformers does not ship: custom code (only reached with
    # --trust-remote-code) names its auto classes in auto_map; otherwise try the causal-LM auto
    # class, then the bare model
    if isinstance(auto_map, dict):
        for name in auto_map:
            if name.startswith("AutoModel") and hasattr(transformers, name):
                return getattr(transformers, name), name
    for auto_name in ("AutoModelForCausalLM", "AutoModel"):
        auto_cls = getattr(transformers, auto_name, None)
        if auto_cls is not None and type(config) in auto_cls._model_mapping:
            return auto_cls, auto_name
    raise ModelBuildError("no-class", f"transformers has no class {class_name!r}")


def _kind(module: Any, nn: Any, conv1d_hf: Any) -> str:
    if isinstance(module, nn.Embedding):
        return "embedding"
    if isinstance(module, nn.Conv2d):
        return "conv2d"
    if isinstance(module, nn.Conv3d):
        return "conv3d"
    if isinstance(module, nn.Conv1d):
        return "conv1d"
    if isinstance(module, nn.MultiheadAttention):
        return "mha" if getattr(module, "_qkv_same_embed_dim", True) else "mha_split"
    if isinstance(module, nn.Linear):
        return "linear"
    if conv1d_hf is not None and isinstance(module, conv1d_hf):
        return "conv1d_hf"
    if isinstance(module, (nn.ModuleList,)):
        return "module_list"
    if isinstance(module, (nn.ModuleDict, nn.ParameterDict, nn.ParameterList)):
        return "module_dict"
    name = type(module).__name__
    if any(p.dim() == 3 for p in module.parameters(recurse=False)):
        return "experts"
    if "Norm" in name or isinstance(module, (nn.LayerNorm, nn.GroupNorm)):
        return "norm"
    if "Rotary" in name:
        return "rotary"
    if isinstance(module, nn.Dropout):
        return "dropout"
    if module.__class__.__module__.startswith("torch.nn.modules.activation") or "Activation" in name:
        return "activation"
    if any(True for _ in module.children()):
        return "container"
    return "other"


def _features(module: Any, kind: str) -> tuple[int | None, int | None]:
    if kind == "linear":
        return module.in_features, module.out_features
    if kind == "conv1d_hf":
        return int(module.weight.shape[0]), int(module.weight.shape[1])
    if kind == "embedding":
        return module.num_embeddings, module.embedding_dim
    if kind in ("conv1d", "conv2d", "conv3d"):
        return module.in_channels, module.out_channels
    if kind in ("mha", "mha_split"):
        return module.embed_dim, module.embed_dim
    return None, None


def _describe(model: Any, auto_name: str, version: str, trust_remote_code: bool) -> Inventory:
    from torch import nn

    try:
        from transformers.pytorch_utils import Conv1D
    except ImportError:  # pragma: no cover - very old transformers
        Conv1D = None  # noqa: N806

    modules: list[ModuleInfo] = []
    ids: dict[int, str] = {}
    for name, module in model.named_modules():
        ids.setdefault(id(module), name)
        kind = _kind(module, nn, Conv1D)
        in_f, out_f = _features(module, kind)
        bias = getattr(module, "bias", None)
        modules.append(
            ModuleInfo(
                name=name,
                cls=type(module).__name__,
                kind=kind,
                in_features=in_f,
                out_features=out_f,
                has_bias=isinstance(bias, nn.Parameter) or hasattr(bias, "shape"),
                params={p: [int(d) for d in t.shape] for p, t in module.named_parameters(recurse=False)},
                children=sum(1 for _ in module.children()),
            )
        )
    config = model.config
    text_config = config.get_text_config() if hasattr(config, "get_text_config") else config
    return Inventory(
        model_type=config.model_type,
        model_class=type(model).__name__,
        auto_class=auto_name,
        transformers_version=version,
        modules=modules,
        output_embeddings=_embedding_name(model, "get_output_embeddings", ids),
        input_embeddings=_embedding_name(model, "get_input_embeddings", ids),
        tie_word_embeddings=bool(getattr(text_config, "tie_word_embeddings", False)),
        tied_parameters=_tied_parameters(model),
        moe_conversion=_moe_conversion(config.model_type, version),
        is_transformers_v5=int(version.split(".")[0]) >= 5,
        total_parameters=sum(p.numel() for p in model.parameters()),
        architectures=list(getattr(config, "architectures", None) or []),
        trust_remote_code=trust_remote_code,
        config_facts={**_config_facts(text_config), "is_encoder_decoder": bool(config.is_encoder_decoder)},
    )


def _embedding_name(model: Any, getter: str, ids: dict[int, str]) -> str | None:
    try:
        module = getattr(model, getter)()
    except Exception:  # noqa: BLE001 - NotImplementedError on some heads
        return None
    return None if module is None else ids.get(id(module))


def _tied_parameters(model: Any) -> list[list[str]]:
    by_id: dict[int, list[str]] = {}
    for name, param in model.named_parameters(remove_duplicate=False):
        by_id.setdefault(id(param), []).append(name)
    return [names for names in by_id.values() if len(names) > 1]


def _moe_conversion(model_type: str, version: str) -> str | None:
    """The MoE conversion family PEFT applies on this transformers, mirroring PEFT's own lookup."""
    from linter.peft_facts import MOE_TARGET_MODULE_MAPPING

    if int(version.split(".")[0]) < 5:
        return None
    try:
        from transformers.conversion_mapping import (
            _MODEL_TO_CONVERSION_PATTERN,
            get_checkpoint_conversion_mapping,
        )
    except ImportError:
        return None
    try:
        if get_checkpoint_conversion_mapping(model_type) is None:
            return None
    except Exception:  # noqa: BLE001
        return None
    patterns = dict(_MODEL_TO_CONVERSION_PATTERN)
    patterns["mixtral"] = "mixtral"  # PEFT adds this entry to its copy of the table
    family = patterns.get(model_type)
    return family if family in MOE_TARGET_MODULE_MAPPING else None


def _config_facts(config: Any) -> dict[str, Any]:
    keys = (
        "hidden_size",
        "intermediate_size",
        "num_hidden_layers",
        "num_attention_heads",
        "num_key_value_heads",
        "head_dim",
        "vocab_size",
        "num_local_experts",
        "num_experts",
        "n_routed_experts",
    )
    facts = {}
    for key in keys:
        value = getattr(config, key, None)
        if isinstance(value, (int, float, str, bool)):
            facts[key] = value
    return facts


logging.getLogger("transformers").addHandler(logging.NullHandler())
