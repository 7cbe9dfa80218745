"""LL406 seq-cls-all-linear-without-task-type."""

from __future__ import annotations

from collections.abc import Iterator

from linter import heads
from linter import peft_facts as pf
from linter.diagnostics import Finding, Level
from linter.names import format_names
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import is_all_linear


@register
class SeqClsAllLinearWithoutTaskType(Rule):
    """`all-linear` on a sequence-classification model without a task type puts LoRA on the head.

    ## What it does
    When `task_type` is absent, the model is built from its `architectures`. For a
    `*ForSequenceClassification` model with `target_modules: all-linear`, PEFT leaves the head out
    of `all-linear` only for task type SEQ_CLS (the model has no output embeddings to leave out),
    so the head (`classifier`, `score`, ...) gets LoRA, and nothing adds it to `modules_to_save`.
    This rule reports that head.

    ## Why it matters
    The head's own weights stay frozen and are not saved with the adapter: a head created for
    this run (a new `num_labels`, a checkpoint without a trained head) keeps its random weights,
    only a low-rank update on top of them is learned, and loading the adapter later builds a new
    random head under that update. With SEQ_CLS, PEFT trains the head in full and saves it.

    ## Example
    ```yaml
    # BertForSequenceClassification
    target_modules: all-linear
    ```
    Use instead:
    ```yaml
    task_type: SEQ_CLS
    target_modules: all-linear
    ```
    """

    code = "LL406"
    name = "seq-cls-all-linear-without-task-type"
    level = Level.WARNING
    summary = "all-linear on a sequence-classification model without task_type puts LoRA on the head."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv, analysis = ctx.spec, ctx.inventory, ctx.analysis
        if spec.task_type is not None or not inv.model_class.endswith("ForSequenceClassification"):
            return
        if not is_all_linear(spec.get("target_modules")) or analysis.failures:
            return
        lora = set(heads.lora_modules(analysis))
        hit: dict[str, list[str]] = {}
        for head in heads.task_heads(inv):
            layers = heads.layers_with_parameters(inv, head)
            on = [n for n in layers if n in lora and heads.saved_by(analysis, n) is None]
            if on:
                hit[head] = on
        if not hit:
            return
        # SEQ_CLS guards a head named exactly `classifier` / `score` from LoRA before injection;
        # any other head (`pre_classifier`, `classification_head`) has to be listed by name
        named = [h for h in hit if h in pf.SEQ_CLS_HEAD_NAMES]
        others = [h for h in hit if h not in pf.SEQ_CLS_HEAD_NAMES]
        fixes = []
        if named:
            fixes.append("set task_type: SEQ_CLS")
        if others:
            fixes.append(f"add {', '.join(others)} to modules_to_save")
        layers = [n for on in hit.values() for n in on]
        yield Finding(
            f"`all-linear` without task_type puts LoRA on the classification head of {ctx.model_name} "
            f"({format_names(layers)}), and nothing trains it in full or saves it with the adapter",
            pointer=spec.pointer("target_modules"),
            hint=" and ".join(fixes) + " (PEFT then keeps LoRA off the head, trains it in full and saves it)",
            fix_suggestions=tuple(hit),
        )
