"""Generate `linter/data/inventories.json`, the shipped name-only inventories (needs torch).

Run `python -m linter.models.generate_shipped` after upgrading transformers. For every architecture
below and every task model class transformers has for it, the model is built on the meta device
from a tiny config, its layer lists are found and folded into per-layer templates
(`linter.models.shipped.compact`), and the raw config.json keys that set each list's length are
recorded, so the template expands to any depth. `tests/test_shipped.py` regenerates the file and
fails when it differs from the committed one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from linter.models.meta import AUTO_CLASS_BY_TASK, ModelBuildError, build_inventory, transformers_version
from linter.models.shipped import SHIPPED_FORMAT, compact

OUTPUT = Path(__file__).resolve().parent.parent / "data" / "inventories.json"

TINY = dict(hidden_size=16, intermediate_size=32, num_attention_heads=2, num_key_value_heads=1, vocab_size=32)

#: model_type -> tiny config, the config key(s) whose value sets each layer list's length (given
#: distinct values so the lists can be told apart), and the rule that says which layer is which
ARCHITECTURES: dict[str, dict[str, Any]] = {
    "llama": {"config": TINY},
    "mistral": {"config": TINY},
    "mixtral": {"config": {**TINY, "num_local_experts": 2, "num_experts_per_tok": 1}},
    "qwen2": {"config": TINY},
    "qwen3": {"config": {**TINY, "head_dim": 8}},
    "qwen3_moe": {
        "config": {
            **TINY,
            "head_dim": 8,
            "num_experts": 2,
            "num_experts_per_tok": 1,
            "moe_intermediate_size": 8,
            "mlp_only_layers": [0],
            "decoder_sparse_step": 1,
        },
        "rule": "sparse_step",
    },
    "gemma": {"config": {**TINY, "head_dim": 8}},
    "gemma2": {"config": {**TINY, "head_dim": 8}},
    "gemma3_text": {"config": {**TINY, "head_dim": 8}},
    "phi": {"config": TINY},
    "phi3": {"config": {**TINY, "num_key_value_heads": 2, "pad_token_id": 0}},
    "gpt2": {
        "config": {
            "n_embd": 16,
            "n_head": 2,
            "vocab_size": 32,
            "n_positions": 32,
            "bos_token_id": 0,
            "eos_token_id": 0,
        }
    },
    "gpt_neox": {"config": {**TINY, "max_position_embeddings": 32, "bos_token_id": 0, "eos_token_id": 0}},
    "falcon": {
        "config": {"hidden_size": 16, "num_attention_heads": 2, "vocab_size": 32, "bos_token_id": 0, "eos_token_id": 0}
    },
    "bloom": {"config": {"hidden_size": 16, "n_head": 2, "vocab_size": 32, "bos_token_id": 0, "eos_token_id": 0}},
    "opt": {
        "config": {
            "hidden_size": 16,
            "ffn_dim": 32,
            "num_attention_heads": 2,
            "vocab_size": 32,
            "word_embed_proj_dim": 16,
            "max_position_embeddings": 32,
            "bos_token_id": 0,
            "eos_token_id": 0,
            "pad_token_id": 1,
        }
    },
    "mpt": {"config": {"d_model": 16, "n_heads": 2, "vocab_size": 32, "expansion_ratio": 2, "max_seq_len": 32}},
    "starcoder2": {"config": {**TINY, "bos_token_id": 0, "eos_token_id": 0}},
    "t5": {
        "config": {
            "d_model": 16,
            "d_kv": 8,
            "d_ff": 32,
            "num_heads": 2,
            "vocab_size": 32,
            "decoder_start_token_id": 0,
            "pad_token_id": 0,
            "eos_token_id": 1,
        },
        "lengths": {"num_layers": 2, "num_decoder_layers": 3},
        "fallback": {"num_decoder_layers": ["num_layers"]},
        "rule": "first",
    },
    "bart": {
        "config": {
            "d_model": 16,
            "encoder_attention_heads": 2,
            "decoder_attention_heads": 2,
            "encoder_ffn_dim": 32,
            "decoder_ffn_dim": 32,
            "vocab_size": 32,
            "max_position_embeddings": 32,
        },
        "lengths": {"encoder_layers": 2, "decoder_layers": 3},
    },
    "bert": {"config": {**TINY, "max_position_embeddings": 32, "pad_token_id": 0}},
    "roberta": {
        "config": {**TINY, "max_position_embeddings": 34, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2}
    },
    "distilbert": {
        "config": {
            "dim": 16,
            "hidden_dim": 32,
            "n_heads": 2,
            "vocab_size": 32,
            "max_position_embeddings": 32,
            "pad_token_id": 0,
        }
    },
    "deepseek_v3": {
        "config": {
            **TINY,
            "moe_intermediate_size": 8,
            "n_routed_experts": 2,
            "num_experts_per_tok": 1,
            "n_group": 1,
            "topk_group": 1,
            "first_k_dense_replace": 1,
            "q_lora_rank": 8,
            "kv_lora_rank": 8,
            "qk_rope_head_dim": 4,
            "qk_nope_head_dim": 4,
            "v_head_dim": 8,
        },
        "rule": "dense_prefix",
    },
}
#: the layer-count key of single-stack architectures (transformers' canonical attribute)
DEFAULT_LENGTH_KEY = "num_hidden_layers"


def _config_class(model_type: str) -> Any:
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    return CONFIG_MAPPING[model_type]


def _raw_keys(model_type: str, key: str, fallback: list[str]) -> list[str]:
    """The config.json spellings of a length key: itself, its aliases, then fallbacks."""
    aliases = getattr(_config_class(model_type), "attribute_map", {}) or {}
    keys = [key]
    keys += [alias for alias, canonical in aliases.items() if canonical == key]
    if key in aliases:
        keys.append(aliases[key])
    return list(dict.fromkeys(keys + fallback))


def _rule(model_type: str, name: str) -> dict[str, Any]:
    defaults = _config_class(model_type)()
    if name == "dense_prefix":
        return {"kind": name, "defaults": {"first_k_dense_replace": defaults.first_k_dense_replace}}
    if name == "sparse_step":
        return {
            "kind": name,
            "defaults": {
                "mlp_only_layers": list(defaults.mlp_only_layers or []),
                "decoder_sparse_step": defaults.decoder_sparse_step,
                "num_experts": defaults.num_experts,
            },
        }
    return {"kind": name}


def _lists(inventory, model_type: str, spec: dict[str, Any], lengths: dict[str, int]) -> dict[str, dict]:
    """Layer lists of the built model, each with the config keys that set its length."""
    found = {}
    defaults = _config_class(model_type)()
    rule = _rule(model_type, spec.get("rule", "uniform"))
    for module in inventory.modules:
        if module.kind != "module_list":
            continue
        count = sum(
            1
            for m in inventory.modules
            if m.name.rpartition(".")[0] == module.name and m.name.rpartition(".")[2].isdigit()
        )
        keys = [key for key, value in lengths.items() if value == count]
        if len(keys) != 1 or count == 0:
            continue  # not a stack of layers (or a list the config does not size)
        key = keys[0]
        found[module.name] = {
            "length_keys": _raw_keys(model_type, key, spec.get("fallback", {}).get(key, [])),
            "default_length": getattr(defaults, key),
            "rule": rule,
        }
    return found


def generate() -> dict[str, Any]:
    models: dict[str, Any] = {}
    for model_type, spec in ARCHITECTURES.items():
        lengths = spec.get("lengths", {DEFAULT_LENGTH_KEY: 3})
        config = {"model_type": model_type, **spec["config"], **lengths}
        classes: dict[str, Any] = {}
        auto: dict[str, str] = {}
        for auto_name in dict.fromkeys(AUTO_CLASS_BY_TASK.values()):
            try:
                inventory = build_inventory(config, auto_name)
            except ModelBuildError:
                continue
            lists = _lists(inventory, model_type, spec, lengths)
            auto[auto_name] = inventory.model_class
            classes[inventory.model_class] = compact(inventory, lists, config)
        models[model_type] = {"auto": auto, "classes": classes}
    return {"format": SHIPPED_FORMAT, "transformers_version": transformers_version(), "models": models}


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal apart from the transformers version stamp."""
    return {**a, "transformers_version": None} == {**b, "transformers_version": None}


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else OUTPUT
    target.write_text(render(generate()), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
