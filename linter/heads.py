"""The task head of a classification / QA model, and what PEFT will do to it, as pure data.

`*ForSequenceClassification`, `*ForTokenClassification` and `*ForQuestionAnswering` classes put new,
randomly initialised layers (the head) next to the pretrained backbone. PEFT does not know which
module that is: for task types SEQ_CLS / TOKEN_CLS it appends the plain string suffixes
`classifier` and `score` to `modules_to_save`, and `qa_outputs` for QUESTION_ANS. The rules LL403 to
LL406 compare those suffixes with the model's real head, so they need to find the head.

Why it is computed here, from module names, and not stored in the Inventory: transformers names the
backbone with the class attribute `base_model_prefix` (`bert`, `roberta`, `model`, `transformer`),
which the Inventory does not record, and some classes have no such child at all
(T5ForQuestionAnswering keeps `shared`, `encoder` and `decoder` at the root). What every task class
shares is simpler: the backbone is the root-level child (or children) holding the input embeddings
or the stack of layers (a ModuleList); the head is every other root-level child with parameters.
Keeping this out of the Inventory means no cached Inventory has to be rebuilt for it, and it works
on cached Inventories of the current format.
"""

from __future__ import annotations

from linter import peft_facts as pf
from linter.models.inventory import Inventory, ModuleInfo
from linter.spec import AdapterSpec
from linter.targets import PeftFailure, TargetAnalysis

#: Task types whose PeftModel class adds head suffixes to modules_to_save.
HEAD_TASKS = frozenset(pf.TASK_HEADS)


def _subtree(inv: Inventory, name: str) -> list[ModuleInfo]:
    prefix = name + "."
    return [m for m in inv.modules if m.name == name or m.name.startswith(prefix)]


def _size(modules: list[ModuleInfo]) -> int:
    total = 0
    for module in modules:
        for shape in module.params.values():
            count = 1
            for dim in shape:
                count *= dim
            total += count
    return total


def backbone(inv: Inventory) -> list[str]:
    """The root-level children that make up the pretrained base model."""
    children = [m.name for m in inv.modules if m.name and "." not in m.name]
    found = []
    for child in children:
        tree = _subtree(inv, child)
        embeds = inv.input_embeddings is not None and any(m.name == inv.input_embeddings for m in tree)
        if embeds or any(m.kind == "module_list" for m in tree):
            found.append(child)
    if not found and children:
        found.append(max(children, key=lambda c: _size(_subtree(inv, c))))
    return found


def task_heads(inv: Inventory) -> list[str]:
    """Root-level children with parameters outside the backbone: the layers the task class adds."""
    base = set(backbone(inv))
    return [
        m.name
        for m in inv.modules
        if m.name and "." not in m.name and m.name not in base and _size(_subtree(inv, m.name)) > 0
    ]


def layers_with_parameters(inv: Inventory, head: str) -> list[str]:
    """The modules of a head that own parameters (the head itself when it is one Linear)."""
    return [m.name for m in _subtree(inv, head) if m.params]


def saved_by(analysis: TargetAnalysis, name: str) -> str | None:
    """The module ModulesToSaveWrapper wraps that holds `name` (itself or an ancestor), if any."""
    for saved in analysis.saved_modules:
        if name == saved or name.startswith(saved + "."):
            return saved
    return None


def lora_modules(analysis: TargetAnalysis) -> list[str]:
    """Modules that get a LoRA layer: targeted modules and the owners of targeted parameters."""
    owners = [key.rpartition(".")[0] for key in analysis.targeted_parameters]
    return list(dict.fromkeys(analysis.targeted_modules + owners))


def untrained_layers(inv: Inventory, analysis: TargetAnalysis, head: str) -> list[str]:
    """The head's layers that are neither wrapped for full training nor given LoRA."""
    lora = set(lora_modules(analysis))
    return [n for n in layers_with_parameters(inv, head) if saved_by(analysis, n) is None and n not in lora]


def user_saves(spec: AdapterSpec) -> list[str]:
    saved = spec.get("modules_to_save")
    return [s for s in saved if isinstance(s, str)] if isinstance(saved, list) else []


def task_suffixes(spec: AdapterSpec) -> tuple[str, ...]:
    """The suffixes PEFT's task class appends to modules_to_save for this spec's task type."""
    task = spec.task_type
    return pf.TASK_HEADS.get(task, ()) if isinstance(task, str) else ()


def task_suffix_of(spec: AdapterSpec, name: str) -> str | None:
    """The task suffix that makes PEFT wrap `name`, when no user modules_to_save entry does."""
    if any(name.endswith(entry) for entry in user_saves(spec)):
        return None
    return next((s for s in task_suffixes(spec) if name.endswith(s)), None)


def is_task_head_lora_failure(spec: AdapterSpec | None, failure: PeftFailure) -> bool:
    """A TypeError PEFT raises because a task-type suffix wraps a module that also got LoRA.

    LL405 reports these at the target entry that put LoRA on the module; the same failure caused
    by the user's own modules_to_save entry stays with LL314. SEQ_CLS merges its suffixes into
    modules_to_save before injection, so its failures name that option; TOKEN_CLS and
    QUESTION_ANS wrap their heads afterwards, under option "task_type".
    """
    if spec is None or failure.kind != "save-wraps-lora-layer":
        return False
    if failure.option not in ("task_type", "modules_to_save"):
        return False
    return failure.entry in task_suffixes(spec) and failure.entry not in user_saves(spec)


def lora_hits_from_task(spec: AdapterSpec, analysis: TargetAnalysis) -> list[tuple[str, str]]:
    """(module, suffix) for each LoRA module a task-type suffix would also wrap (PEFT's TypeError)."""
    if not any(is_task_head_lora_failure(spec, f) for f in analysis.failures):
        return []
    hits = []
    for name in lora_modules(analysis):
        suffix = task_suffix_of(spec, name)
        if suffix is not None:
            hits.append((name, suffix))
    return hits
