"""The "every linear layer" switches of the training frameworks, replayed on an Inventory.

Each framework collects its own list of leaf names before PEFT sees it, with its own rules for
which modules count as linear and which output layers to leave out; these differences decide what
is trained (GPT-2's `Conv1D` is not "Linear" for any of them, unlike PEFT's `all-linear`).
"""

from __future__ import annotations

from linter.models.inventory import Inventory


def _is_linear_class(cls: str, kind: str) -> bool:
    return kind == "linear" or ("Linear" in cls and "Embedding" not in cls)


def linear_leaf_names(inv: Inventory, flavor: str) -> list[str]:
    """Leaf names the framework's all-linear switch yields, in first-seen order."""
    if flavor == "axolotl":
        # axolotl find_all_linear_names: nn.Linear / bnb Linear / "Linear" in the class name,
        # minus the output embedding (`embed_out` on GPT-NeoX, else `lm_head`)
        skip = {"embed_out"} if inv.model_type == "gpt_neox" else {"lm_head"}
        found = [m.name.split(".")[-1] for m in inv.modules if m.name and _is_linear_class(m.cls, m.kind)]
        return [n for n in dict.fromkeys(found) if n not in skip]
    if flavor == "llamafactory":
        # LLaMA-Factory find_all_linear_modules: "Linear" in the class name (not Embedding), skipping
        # any module whose name contains a forbidden key
        forbidden = {"lm_head"}
        if inv.model_type == "chatglm":
            forbidden.add("output_layer")
        elif inv.model_type == "internlm2":
            forbidden.add("output")
        found = [
            m.name.split(".")[-1]
            for m in inv.modules
            if m.name and "Linear" in m.cls and "Embedding" not in m.cls and not any(f in m.name for f in forbidden)
        ]
        return list(dict.fromkeys(found))
    if flavor == "llamafactory-v1":
        # v1 _find_all_linear_modules: the same, with a fixed forbidden set (substrings of the name)
        forbidden = {"lm_head", "output_layer", "output", "score", "classifier"}
        found = [
            m.name.split(".")[-1]
            for m in inv.modules
            if m.name and "Linear" in m.cls and "Embedding" not in m.cls and not any(f in m.name for f in forbidden)
        ]
        return list(dict.fromkeys(found))
    raise ValueError(f"unknown all-linear flavor {flavor!r}")
