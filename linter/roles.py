"""What part a module plays in a transformer block: attention, feed-forward, embedding or head.

Guidance rules (attention-only vs FFN targets) and `inspect` need roles, and a leaf name alone is
ambiguous: GPT-2 has `attn.c_proj` and `mlp.c_proj`, BERT has `attention.output.dense`,
`intermediate.dense` and `output.dense`. So the path decides first (a module under an attention
block is attention, under an MLP / intermediate / experts block is FFN), and the leaf name only
when the path says nothing.
"""

from __future__ import annotations

from linter.models.inventory import Inventory
from linter.names import role_of

ATTENTION = "attention"
FFN = "ffn"
EMBEDDING = "embedding"
HEAD = "head"

_ATTENTION_PARTS = ("attn", "attention", "selfattention", "encdecattention", "self_attn", "cross_attn")
_FFN_PARTS = ("mlp", "ffn", "feed_forward", "feedforward", "intermediate", "denserelu", "experts", "moe")


def module_role(name: str, inv: Inventory | None = None) -> str | None:
    """The role of the module called `name`, or None when it is none of the four."""
    if inv is not None:
        if name == inv.output_embeddings:
            return HEAD
        if name == inv.input_embeddings:
            return EMBEDDING
    parts = name.lower().split(".")
    for part in parts[:-1]:
        if any(token in part for token in _ATTENTION_PARTS):
            return ATTENTION
        if any(token in part for token in _FFN_PARTS):
            return FFN
    if len(parts) >= 3 and parts[-2] == "output" and parts[-3].isdigit():
        return FFN  # BERT-style `layer.N.output.dense` (the attention one is under `attention`)
    leaf_role = role_of(name.rsplit(".", 1)[-1])
    if leaf_role is None:
        return None
    if leaf_role.startswith("attention") or leaf_role.startswith("fused attention"):
        return ATTENTION
    if leaf_role.startswith("FFN") or leaf_role.startswith("fused FFN"):
        return FFN
    return None


def lora_parameters(in_features: int | None, out_features: int | None, rank: int) -> int:
    """LoRA A (r x in) plus B (out x r) for one Linear-like module."""
    if in_features is None or out_features is None:
        return 0
    return rank * (in_features + out_features)
