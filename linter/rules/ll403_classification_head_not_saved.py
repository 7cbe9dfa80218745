"""LL403 classification-head-not-saved."""

from __future__ import annotations

from collections.abc import Iterator

from linter import heads
from linter.diagnostics import Finding, Level
from linter.names import format_names
from linter.rules.base import Context, Rule, register


@register
class ClassificationHeadNotSaved(Rule):
    """The classification / QA head of the model is neither trained in full nor given LoRA.

    ## What it does
    For task types SEQ_CLS, TOKEN_CLS and QUESTION_ANS, finds the model's real head: the layers the
    task class adds next to the pretrained backbone (`classifier`, `score`, `qa_outputs`,
    `pre_classifier`, `classification_head`, ...). It reports a head that nothing trains: it
    matches neither a `modules_to_save` entry nor the suffixes the task type adds (`classifier`
    and `score`, or `qa_outputs`, matched as a plain string suffix, as PEFT does), and gets no
    LoRA.

    ## Why it matters
    The head is created with random weights when the task model is built. PEFT freezes every
    base weight, so an untrained head stays random for the whole run, the loss barely moves, and
    the head is not saved with the adapter either: loading the adapter later builds a new random
    head. Models whose head has another name (T5 and BART `classification_head`, XLNet
    `sequence_summary` and `logits_proj`) are not covered by the task type.

    ## Example
    ```yaml
    # T5ForSequenceClassification: the head is `classification_head`
    task_type: SEQ_CLS
    target_modules: [q, v]
    ```
    Use instead:
    ```yaml
    task_type: SEQ_CLS
    target_modules: [q, v]
    modules_to_save: [classification_head]
    ```
    """

    code = "LL403"
    name = "classification-head-not-saved"
    level = Level.WARNING
    summary = "The task's classification / QA head is not trained or saved; it stays random."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv, analysis = ctx.spec, ctx.inventory, ctx.analysis
        task = spec.task_type
        if not isinstance(task, str) or task not in heads.HEAD_TASKS or analysis.failures:
            return  # PEFT raises: the rules for the error say what to change first
        suffixes = " or ".join(f"`{s}`" for s in heads.task_suffixes(spec))
        pointer = spec.pointer("modules_to_save") if spec.has("modules_to_save") else spec.pointer("task_type")
        for head in heads.task_heads(inv):
            missing = heads.untrained_layers(inv, analysis, head)
            if not missing:
                continue
            layers = heads.layers_with_parameters(inv, head)
            if len(missing) == len(layers):
                what = f"`{head}`, the head {ctx.model_name} adds for {task}, is not trained"
            else:
                what = (
                    f"only part of `{head}`, the head {ctx.model_name} adds for {task}, is trained: "
                    f"{format_names(missing)} is not"
                )
            yield Finding(
                f"{what}: it keeps its random initial weights and is not saved with the adapter "
                f"(task_type {task} makes PEFT train only modules whose names end in {suffixes})",
                pointer=pointer,
                hint=f"add `{head}` to modules_to_save",
                fix_suggestions=(head,),
            )
