"""`linter.adapter_size` against real PEFT: the trainable and total parameter counts must be equal.

Each case builds the fixture model's Inventory the way lora-lint does, replays the config with
`linter.targets.analyze`, computes `adapter_size`, and compares it with
`get_peft_model(model, LoraConfig(**options)).get_nb_trainable_parameters()` on the same model built
on the meta device. Every config here is one PEFT accepts.
"""

from __future__ import annotations

import copy
import functools
import warnings
from typing import Any

import pytest
from peft import LoraConfig, get_peft_model

from linter.adapter_size import AdapterSize, adapter_size
from linter.models.inventory import Inventory
from linter.models.meta import build_inventory, choose_auto_class
from linter.targets import analyze
from tests.support import build_transformers_model, load_model_config

CAUSAL = {"task_type": "CAUSAL_LM"}
SEQ2SEQ = {"task_type": "SEQ_2_SEQ_LM"}
SEQ_CLS = {"task_type": "SEQ_CLS"}

#: (architecture, config name, LoraConfig kwargs)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    # GPT-2: transformers Conv1D layers, biases everywhere, lm_head tied to wte
    ("gpt2", "list", {**CAUSAL, "target_modules": ["c_attn"]}),
    ("gpt2", "all-linear-bias-all", {**CAUSAL, "target_modules": "all-linear", "bias": "all"}),
    (
        "gpt2",
        "lora-bias-lora-only",
        {**CAUSAL, "target_modules": ["c_attn", "c_fc"], "lora_bias": True, "bias": "lora_only"},
    ),
    ("gpt2", "save-tied-lm-head", {**CAUSAL, "target_modules": ["c_attn"], "modules_to_save": ["lm_head"]}),
    ("gpt2", "dora-embedding", {**CAUSAL, "target_modules": ["c_attn", "wte"], "use_dora": True}),
    ("gpt2", "layers", {**CAUSAL, "target_modules": ["c_attn", "c_fc"], "layers_to_transform": [1]}),
    (
        "gpt2",
        "rank-alpha-pattern",
        {
            **CAUSAL,
            "target_modules": ["c_attn", "c_fc", "c_proj"],
            "r": 8,
            "rank_pattern": {"c_fc": 4, r"h\.1\..*": 2},
            "alpha_pattern": {"c_fc": 32},
        },
    ),
    ("gpt2", "save-block", {**CAUSAL, "target_modules": ["c_fc"], "modules_to_save": ["h.0"]}),
    (
        "gpt2",
        "save-nested",
        {**CAUSAL, "target_modules": ["c_fc"], "modules_to_save": ["h.0", "attn", "c_attn"]},
    ),
    # T5: encoder-decoder, shared embedding tied to both embed_tokens and lm_head
    ("t5", "defaults", {**SEQ2SEQ}),
    ("t5", "all-linear-dora", {**SEQ2SEQ, "target_modules": "all-linear", "use_dora": True}),
    ("t5", "save-shared", {**SEQ2SEQ, "target_modules": ["q", "v"], "modules_to_save": ["shared"]}),
    (
        "t5",
        "save-embed-tokens",
        {**SEQ2SEQ, "target_modules": ["q", "v"], "modules_to_save": ["embed_tokens"]},
    ),
    (
        "t5",
        "save-lm-head",
        {**SEQ2SEQ, "target_modules": ["q", "k", "v", "o"], "modules_to_save": ["lm_head"]},
    ),
    (
        "t5",
        "embedding-target",
        {**SEQ2SEQ, "target_modules": ["q", "v", "relative_attention_bias"], "r": 4},
    ),
    ("t5", "layers", {**SEQ2SEQ, "target_modules": ["wi", "wo"], "layers_to_transform": [0]}),
    (
        "t5",
        "save-nested",
        {**SEQ2SEQ, "target_modules": ["wo"], "modules_to_save": ["decoder", "block.0", "SelfAttention.q"]},
    ),
    # BERT family with their classification heads saved through the task type
    ("bert", "seq-cls-list", {**SEQ_CLS, "target_modules": ["query", "value"]}),
    ("bert", "seq-cls-all-linear-bias-all", {**SEQ_CLS, "target_modules": "all-linear", "bias": "all"}),
    (
        "bert",
        "seq-cls-lora-bias-lora-only",
        {**SEQ_CLS, "target_modules": ["query", "key", "dense"], "lora_bias": True, "bias": "lora_only"},
    ),
    (
        "bert",
        "seq-cls-dora-embedding",
        {**SEQ_CLS, "target_modules": ["query", "word_embeddings"], "use_dora": True},
    ),
    ("bert", "seq-cls-save-block", {**SEQ_CLS, "target_modules": ["query"], "modules_to_save": ["layer.1"]}),
    (
        "bert",
        "seq-cls-rank-pattern",
        {
            **SEQ_CLS,
            "target_modules": ["query", "value"],
            "rank_pattern": {"layer.0.attention.self.query": 2},
        },
    ),
    ("bert", "token-cls-bias-all", {"task_type": "TOKEN_CLS", "target_modules": ["query"], "bias": "all"}),
    ("bert", "question-ans", {"task_type": "QUESTION_ANS", "target_modules": ["value"], "r": 2}),
    ("roberta", "seq-cls-lora-only", {**SEQ_CLS, "target_modules": ["query", "value"], "bias": "lora_only"}),
    (
        "roberta",
        "seq-cls-all-linear-save",
        {**SEQ_CLS, "target_modules": "all-linear", "modules_to_save": ["word_embeddings"]},
    ),
    # DistilBERT: SEQ_CLS saves both pre_classifier and classifier (plain suffix match)
    (
        "distilbert",
        "seq-cls-lora-only",
        {**SEQ_CLS, "target_modules": ["q_lin", "v_lin"], "bias": "lora_only"},
    ),
    # decoder-only LMs
    ("llama", "list", {**CAUSAL, "target_modules": ["q_proj", "v_proj"]}),
    ("llama", "all-linear-dora", {**CAUSAL, "target_modules": "all-linear", "use_dora": True}),
    (
        "llama",
        "embedding-save-lm-head",
        {**CAUSAL, "target_modules": ["q_proj", "embed_tokens"], "modules_to_save": ["lm_head"]},
    ),
    ("llama", "save-block", {**CAUSAL, "target_modules": ["q_proj"], "modules_to_save": ["layers.0"]}),
    (
        "llama",
        "layers-rank-pattern",
        {
            **CAUSAL,
            "target_modules": ["q_proj", "down_proj"],
            "layers_to_transform": [1],
            "rank_pattern": {"down_proj": 16},
            "alpha_pattern": {"down_proj": 8},
        },
    ),
    (
        "mistral",
        "all-linear-save-norm",
        {**CAUSAL, "target_modules": "all-linear", "modules_to_save": ["norm"]},
    ),
    (
        "qwen2",
        "lora-bias-lora-only",
        {**CAUSAL, "target_modules": ["q_proj", "v_proj"], "lora_bias": True, "bias": "lora_only"},
    ),
    (
        "qwen2",
        "bias-all-save-embed",
        {**CAUSAL, "target_modules": ["k_proj"], "bias": "all", "modules_to_save": ["embed_tokens"]},
    ),
    (
        "qwen3",
        "dora-embedding-layers",
        {
            **CAUSAL,
            "target_modules": ["embed_tokens", "o_proj"],
            "use_dora": True,
            "layers_to_transform": [1],
        },
    ),
    (
        "gemma",
        "save-tied-embeddings",
        {**CAUSAL, "target_modules": ["q_proj", "k_proj"], "modules_to_save": ["embed_tokens", "lm_head"]},
    ),
    ("gemma2", "all-linear-rslora", {**CAUSAL, "target_modules": "all-linear", "use_rslora": True, "r": 16}),
    ("phi", "defaults-bias-all", {**CAUSAL, "bias": "all"}),
    (
        "phi3",
        "fused-rank-alpha-pattern",
        {
            **CAUSAL,
            "target_modules": ["qkv_proj", "gate_up_proj"],
            "rank_pattern": {"qkv_proj": 16},
            "alpha_pattern": {"qkv_proj": 4},
        },
    ),
    (
        "gpt_neox",
        "rank-pattern-save-head",
        {
            **CAUSAL,
            "target_modules": ["query_key_value", "dense_h_to_4h"],
            "rank_pattern": {r"layers\.1\..*": 2},
            "modules_to_save": ["embed_out"],
        },
    ),
    (
        "bloom",
        "lora-bias-save-block",
        {**CAUSAL, "target_modules": ["query_key_value"], "lora_bias": True, "modules_to_save": ["h.1"]},
    ),
    (
        "falcon",
        "all-linear-save-embeddings",
        {**CAUSAL, "target_modules": "all-linear", "r": 4, "modules_to_save": ["word_embeddings"]},
    ),
    (
        "opt",
        "dora-embedding-lora-only",
        {
            **CAUSAL,
            "target_modules": ["q_proj", "v_proj", "embed_tokens"],
            "use_dora": True,
            "bias": "lora_only",
        },
    ),
    (
        "mpt",
        "layers-bias-all",
        {**CAUSAL, "target_modules": ["Wqkv"], "layers_to_transform": 1, "bias": "all"},
    ),
    # transformers-5 fused MoE experts (target_modules converted to target_parameters by PEFT)
    ("mixtral", "moe-w1-w2-w3", {**CAUSAL, "target_modules": ["w1", "w2", "w3"]}),
    (
        "mixtral",
        "moe-user-rank-pattern",
        {
            **CAUSAL,
            "target_modules": ["w1", "w2", "w3", "q_proj"],
            "rank_pattern": {"experts.gate_up_proj": 3, "w2": 5, "q_proj": 2},
        },
    ),
    (
        "mixtral",
        "target-parameters",
        {**CAUSAL, "target_modules": [], "target_parameters": ["experts.down_proj", "gate.weight"], "r": 4},
    ),
    (
        "mixtral",
        "moe-save-embed",
        {**CAUSAL, "target_modules": ["w1", "w3", "v_proj"], "modules_to_save": ["embed_tokens"]},
    ),
    ("qwen3_moe", "moe-gate-up-down", {**CAUSAL, "target_modules": ["gate_proj", "up_proj", "down_proj"]}),
    ("qwen3_moe", "all-linear-bias-all", {**CAUSAL, "target_modules": "all-linear", "bias": "all"}),
    (
        "qwen3_moe",
        "target-parameters-rank-pattern",
        {
            **CAUSAL,
            "target_modules": ["q_proj"],
            "target_parameters": ["mlp.experts.gate_up_proj"],
            "rank_pattern": {"gate_up_proj": 2, r"layers\.1\.self_attn\.q_proj": 12},
        },
    ),
]


@functools.cache
def _inventory(arch: str, class_name: str) -> Inventory:
    return build_inventory(load_model_config(arch), class_name)


def _peft_counts(arch: str, class_name: str, options: dict[str, Any]) -> tuple[tuple[int, int], int]:
    model = build_transformers_model(load_model_config(arch), class_name)
    base = sum(p.numel() for p in model.parameters())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peft_model = get_peft_model(model, LoraConfig(**copy.deepcopy(options)))
    return peft_model.get_nb_trainable_parameters(), base


@pytest.mark.parametrize(("arch", "name", "options"), CASES, ids=[f"{a}-{n}" for a, n, _ in CASES])
def test_adapter_size_matches_peft(arch: str, name: str, options: dict[str, Any]) -> None:
    config_dict = load_model_config(arch)
    class_name = choose_auto_class(config_dict, options.get("task_type"))
    inv = _inventory(arch, class_name)
    analysis = analyze(copy.deepcopy(options), inv)
    assert not analysis.raises, analysis.failures

    size = adapter_size(options, inv, analysis)
    (trainable, all_param), base = _peft_counts(arch, class_name, options)

    assert isinstance(size, AdapterSize)
    assert (size.trainable, size.all_parameters) == (trainable, all_param), f"{arch} {name}: {options}"
    assert size.base_parameters == base
    assert sum(size.by_module.values()) == size.trainable
    assert size.exact and size.trainable > 0
    assert size.percent_of_base == pytest.approx(100 * trainable / base)


def test_by_module_names_targets_and_saved_modules() -> None:
    options = {**CAUSAL, "target_modules": ["c_attn"], "modules_to_save": ["lm_head"], "r": 4}
    inv = _inventory("gpt2", "AutoModelForCausalLM")
    size = adapter_size(options, inv, analyze(options, inv))
    # lora_A (4 x 64) + lora_B (192 x 4) per layer; a full copy of the (tied) lm_head
    assert size.by_module == {
        "transformer.h.0.attn.c_attn": 4 * (64 + 192),
        "transformer.h.1.attn.c_attn": 4 * (64 + 192),
        "lm_head": 128 * 64,
    }
    assert size.all_parameters == size.base_parameters + size.trainable


def test_unmodelled_options_are_reported() -> None:
    options = {**CAUSAL, "target_modules": ["q_proj"], "trainable_token_indices": [1, 2]}
    inv = _inventory("llama", "AutoModelForCausalLM")
    size = adapter_size(options, inv, analyze(options, inv))
    assert size.unmodelled == ("trainable_token_indices",)
    assert not size.exact
    options = {**CAUSAL, "target_modules": ["q_proj", "embed_tokens"], "ensure_weight_tying": True}
    inv = _inventory("gemma", "AutoModelForCausalLM")
    assert adapter_size(options, inv, analyze(options, inv)).unmodelled == ("ensure_weight_tying",)


def _toy_model() -> Any:
    """Layer kinds no fixture architecture has: grouped / 1-D / 3-D convolutions and MultiheadAttention."""
    import torch
    import transformers
    from torch import nn

    class Toy(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.config = transformers.PretrainedConfig()
            self.conv = nn.Conv2d(8, 16, 3, padding=1)
            self.depthwise = nn.Conv2d(16, 16, (3, 5), groups=4)
            self.conv1 = nn.Conv1d(16, 12, 5, bias=False)
            self.conv3 = nn.Conv3d(4, 6, (1, 2, 3))
            self.mha = nn.MultiheadAttention(16, 2)
            self.lin = nn.Linear(16, 4)
            self.emb = nn.Embedding(10, 16)

    with torch.device("meta"):
        return Toy()


TOY_CASES: dict[str, dict[str, Any]] = {
    "convs": {"target_modules": ["conv", "depthwise", "conv1", "conv3"], "r": 4},
    "convs-dora-lora-only": {
        "target_modules": ["conv", "depthwise", "conv1", "conv3"],
        "use_dora": True,
        "bias": "lora_only",
    },
    "convs-lora-bias-bias-all": {
        "target_modules": ["conv", "depthwise", "conv1", "conv3", "lin"],
        "r": 4,
        "lora_bias": True,
        "bias": "all",
    },
    "mha": {"target_modules": ["mha"], "r": 4},
    "mha-lora-bias-lora-only": {"target_modules": ["mha", "lin"], "lora_bias": True, "bias": "lora_only"},
    "mha-save-embedding": {"target_modules": ["mha"], "r": 2, "modules_to_save": ["emb"], "bias": "all"},
    "embedding-conv-dora-rank-pattern": {
        "target_modules": ["emb", "conv1"],
        "r": 4,
        "rank_pattern": {"conv1": 12},
        "use_dora": True,
    },
}


@pytest.mark.parametrize("name", sorted(TOY_CASES))
def test_adapter_size_on_conv_and_mha_layers(name: str) -> None:
    import transformers

    from linter.models.meta import _describe

    options = TOY_CASES[name]
    inv = _describe(_toy_model(), "Toy", transformers.__version__, False)
    analysis = analyze(copy.deepcopy(options), inv)
    assert not analysis.raises, analysis.failures
    size = adapter_size(options, inv, analysis)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = get_peft_model(_toy_model(), LoraConfig(**copy.deepcopy(options))).get_nb_trainable_parameters()
    assert (size.trainable, size.all_parameters) == expected, f"toy {name}: {options}"
