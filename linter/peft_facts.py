"""Facts about PEFT's LoRA behaviour that lora-lint mirrors, kept as data.

PEFT is not a runtime dependency (a pre-commit hook must stay light), so the tables PEFT's matching
depends on are copied here from peft 0.21.2. `tests/test_peft_facts.py` compares every table with
the installed PEFT, so a PEFT release that changes one fails the suite instead of drifting silently.
"""

from __future__ import annotations

#: The PEFT release whose behaviour these tables and `linter.targets` mirror.
PEFT_VERSION = "0.21.2"

#: `peft.utils.constants.TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING`: what PEFT targets when
#: `target_modules` is omitted. Keyed by `config.model_type`; a str value is a regex.
DEFAULT_TARGET_MODULES: dict[str, list[str] | str] = {
    "t5": ["q", "v"],
    "mt5": ["q", "v"],
    "bart": ["q_proj", "v_proj"],
    "gpt2": ["c_attn"],
    "bloom": ["query_key_value"],
    "blip-2": ["q", "v", "q_proj", "v_proj"],
    "opt": ["q_proj", "v_proj"],
    "gptj": ["q_proj", "v_proj"],
    "gpt_neox": ["query_key_value"],
    "gpt_neo": ["q_proj", "v_proj"],
    "bert": ["query", "value"],
    "roberta": ["query", "value"],
    "xlm-roberta": ["query", "value"],
    "electra": ["query", "value"],
    "deberta-v2": ["query_proj", "value_proj"],
    "deberta": ["in_proj"],
    "layoutlm": ["query", "value"],
    "llama": ["q_proj", "v_proj"],
    "llama4": ["q_proj", "v_proj"],
    "chatglm": ["query_key_value"],
    "gpt_bigcode": ["c_attn"],
    "mpt": ["Wqkv"],
    "RefinedWebModel": ["query_key_value"],
    "RefinedWeb": ["query_key_value"],
    "falcon": ["query_key_value"],
    "btlm": ["c_proj", "c_attn"],
    "codegen": ["qkv_proj"],
    "mistral": ["q_proj", "v_proj"],
    "mixtral": ["q_proj", "v_proj"],
    "stablelm": ["q_proj", "v_proj"],
    "phi": ["q_proj", "v_proj", "fc1", "fc2"],
    "gemma": ["q_proj", "v_proj"],
    "gemma2": ["q_proj", "v_proj"],
    "gemma3_text": ["q_proj", "v_proj"],
    "gemma4": r".*language_model\..*\.(q_proj|v_proj)",
    "qwen2": ["q_proj", "v_proj"],
    "qwen3": ["q_proj", "v_proj"],
    "nemotron_h": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "rwkv": ["key", "value", "receptance", "output"],
    "rwkv7": ["r_proj", "k_proj", "v_proj", "o_proj", "key", "value"],
}

#: Every `LoraConfig` / `PeftConfig` dataclass field, in declaration order.
LORA_CONFIG_FIELDS = (
    "task_type",
    "peft_type",
    "auto_mapping",
    "peft_version",
    "base_model_name_or_path",
    "revision",
    "inference_mode",
    "r",
    "target_modules",
    "exclude_modules",
    "lora_alpha",
    "lora_dropout",
    "fan_in_fan_out",
    "bias",
    "use_rslora",
    "modules_to_save",
    "init_lora_weights",
    "layers_to_transform",
    "layers_pattern",
    "rank_pattern",
    "alpha_pattern",
    "megatron_config",
    "megatron_core",
    "trainable_token_indices",
    "loftq_config",
    "eva_config",
    "corda_config",
    "lora_ga_config",
    "use_dora",
    "velora_config",
    "alora_invocation_tokens",
    "use_qalora",
    "qalora_group_size",
    "monteclora_config",
    "layer_replication",
    "runtime_config",
    "lora_bias",
    "target_parameters",
    "use_bdlora",
    "arrow_config",
    "kasa_config",
    "ensure_weight_tying",
)

#: `INCLUDE_LINEAR_LAYERS_SHORTHAND`: the one string `target_modules` value that is not a regex.
ALL_LINEAR = "all-linear"

#: `DUMMY_TARGET_MODULES`: a value that injects nothing without an error.
DUMMY_TARGET_MODULES = "dummy-target-modules"

#: `MIN_TARGET_MODULES_FOR_OPTIMIZATION`: lists this long are condensed to minimal suffixes.
MIN_TARGET_MODULES_FOR_OPTIMIZATION = 20

#: `SEQ_CLS_HEAD_NAMES`: heads `all-linear` leaves out for SEQ_CLS when there are no output embeddings.
SEQ_CLS_HEAD_NAMES = ("score", "classifier")

#: `EMBEDDING_LAYER_NAMES`: leaf names PEFT treats as (possibly tied) embeddings.
EMBEDDING_LAYER_NAMES = ("embed_tokens", "lm_head")

#: Task types and what `PeftModelFor*` appends to `modules_to_save`, and when (peft_model.py).
TASK_TYPES = ("SEQ_CLS", "SEQ_2_SEQ_LM", "CAUSAL_LM", "TOKEN_CLS", "QUESTION_ANS", "FEATURE_EXTRACTION")
TASK_HEADS: dict[str, tuple[str, ...]] = {
    "SEQ_CLS": ("classifier", "score"),
    "TOKEN_CLS": ("classifier", "score"),
    "QUESTION_ANS": ("qa_outputs",),
}
#: SEQ_CLS adds its heads before injection (so they are guarded from LoRA); the others after.
TASK_HEADS_BEFORE_INJECTION = frozenset({"SEQ_CLS"})

#: `_check_lora_target_modules_mamba`: leaf names LoRA must not target on these model types.
MAMBA_MODEL_TYPES = frozenset({"falcon_h1", "mamba", "mamba2", "falcon_mamba", "nemotron_h"})
MAMBA_INCOMPATIBLE_MODULES = frozenset({"out_proj", "conv1d"})

#: `transformers_weight_conversion._MOE_TARGET_MODULE_MAPPING` and `_MOE_FUSED_TARGETS`: how PEFT
#: rewrites transformers-4 MoE expert names for transformers-5 models, per conversion family.
MOE_TARGET_MODULE_MAPPING: dict[str, dict[str, str]] = {
    "mixtral": {"gate": "gate.weight", "w1": "gate_up_proj", "w3": "gate_up_proj", "w2": "down_proj"},
    "qwen2_moe": {
        "gate": "gate.weight",
        "gate_proj": "gate_up_proj",
        "up_proj": "gate_up_proj",
        "down_proj": "down_proj",
    },
}
MOE_FUSED_TARGETS: dict[str, dict[str, list[str]]] = {
    "mixtral": {"gate_up_proj": ["w1", "w3"]},
    "qwen2_moe": {"gate_up_proj": ["gate_proj", "up_proj"]},
}

#: The LoRA layer's own submodules, as `named_modules()` lists them under a wrapped module. They
#: matter because `modules_to_save` is matched (plain suffix) after LoRA has been injected.
#: Values: "list" (a ModuleDict / ParameterDict, which ModulesToSaveWrapper refuses), "base"
#: (the original layer), "adapter" (a child of a ModuleDict whose grandparent is the LoRA layer).
LORA_LAYER_CHILDREN: dict[str, str] = {
    "base_layer": "base",
    "lora_dropout": "list",
    "lora_dropout.default": "adapter",
    "lora_A": "list",
    "lora_A.default": "adapter",
    "lora_B": "list",
    "lora_B.default": "adapter",
    "lora_embedding_A": "list",
    "lora_embedding_B": "list",
    "lora_magnitude_vector": "list",
}

#: The first PEFT release that knows each LoraConfig key (older ones raise TypeError on load).
KEY_INTRODUCED: dict[str, str] = {
    "r": "0.3.0",
    "target_modules": "0.3.0",
    "lora_alpha": "0.3.0",
    "lora_dropout": "0.3.0",
    "fan_in_fan_out": "0.3.0",
    "bias": "0.3.0",
    "modules_to_save": "0.3.0",
    "init_lora_weights": "0.3.0",
    "layers_to_transform": "0.4.0",
    "layers_pattern": "0.4.0",
    "rank_pattern": "0.6.0",
    "alpha_pattern": "0.6.0",
    "megatron_config": "0.7.0",
    "megatron_core": "0.7.0",
    "loftq_config": "0.7.0",
    "use_rslora": "0.8.0",
    "use_dora": "0.9.0",
    "layer_replication": "0.10.0",
    "runtime_config": "0.12.0",
    "exclude_modules": "0.14.0",
    "lora_bias": "0.14.0",
    "eva_config": "0.14.0",
    "trainable_token_indices": "0.15.0",
    "corda_config": "0.15.0",
    "use_qalora": "0.16.0",
    "qalora_group_size": "0.16.0",
    "target_parameters": "0.17.0",
    "alora_invocation_tokens": "0.18.0",
    "arrow_config": "0.18.0",
    "ensure_weight_tying": "0.18.0",
    "peft_version": "0.18.0",
    "use_bdlora": "0.19.0",
    "lora_ga_config": "0.19.0",
    "monteclora_config": "0.20.0",
    "velora_config": "0.20.0",
    "kasa_config": "0.21.0",
}
