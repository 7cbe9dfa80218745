"""LL404 head-suffix-captures-others."""

from __future__ import annotations

from collections.abc import Iterator

from linter import heads
from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register


@register
class HeadSuffixCapturesOthers(Rule):
    """The task type's head suffix also makes PEFT train other modules in full.

    ## What it does
    SEQ_CLS and TOKEN_CLS add `classifier` and `score` to `modules_to_save`, QUESTION_ANS adds
    `qa_outputs`, and PEFT wraps every module whose name ends with one of them as a plain string,
    with no dot boundary. This rule reports the modules those suffixes capture besides the head
    itself, such as DistilBERT's `pre_classifier`. Listing the captured module in
    `modules_to_save` yourself says it is meant, and silences the warning.

    ## Why it matters
    Each captured module is trained in full and saved with the adapter, next to the head. For a
    layer of the head that is right, but it is easy to miss when reading the config; for a
    pretrained layer it means full fine-tuning of weights you meant to adapt with LoRA only, and
    a larger adapter file. And when the captured module also gets LoRA, PEFT raises TypeError
    (see LL405).

    ## Example
    ```yaml
    # DistilBertForSequenceClassification: `classifier` also matches `pre_classifier`
    task_type: SEQ_CLS
    target_modules: [q_lin, v_lin]
    ```
    Use instead:
    ```yaml
    # say that pre_classifier is trained in full with the head
    task_type: SEQ_CLS
    target_modules: [q_lin, v_lin]
    modules_to_save: [pre_classifier]
    ```
    """

    code = "LL404"
    name = "head-suffix-captures-others"
    level = Level.WARNING
    summary = "A task-type head suffix (classifier, score, qa_outputs) makes PEFT train other modules too."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv, analysis = ctx.spec, ctx.inventory, ctx.analysis
        task = spec.task_type
        if not isinstance(task, str) or task not in heads.HEAD_TASKS or analysis.failures:
            return  # PEFT raises (LL405 or LL314 say why), nothing is trained
        task_heads = set(heads.task_heads(inv))
        for name in analysis.saved_modules:
            suffix = heads.task_suffix_of(spec, name)
            if suffix is None:
                continue
            head = name.split(".", 1)[0] if name.split(".", 1)[0] in task_heads else None
            if head is not None and (name == suffix or name.endswith("." + suffix)):
                continue  # the head itself
            message = (
                f"task_type {task} adds the modules_to_save suffix `{suffix}`, which also matches "
                f"`{name}` (PEFT matches a plain string suffix): PEFT trains it in full and saves it "
                "with the adapter"
            )
            if head is not None:
                yield Finding(
                    message + f"; usually wanted here: `{name}` is a new layer of the {ctx.model_name} head",
                    pointer=spec.pointer("task_type"),
                    hint=f"list `{name}` in modules_to_save to make it explicit (that silences this warning)",
                    fix_suggestions=(name,),
                )
                continue
            # modules_to_save matches by plain suffix: the head's own name may capture it as well
            keep = [h for h in sorted(task_heads) if not name.endswith(h)]
            hint = None
            if keep and len(keep) == len(task_heads):
                hint = f"to train only the head, remove task_type and set modules_to_save: [{', '.join(keep)}]"
            yield Finding(
                message + f", although it is a pretrained layer of {ctx.model_name}, not part of the head",
                pointer=spec.pointer("task_type"),
                hint=hint,
            )
