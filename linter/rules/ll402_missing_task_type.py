"""LL402 missing-task-type."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import implied_task_type


@register
class MissingTaskType(Rule):
    """A config without `task_type`.

    ## What it does
    Reports a LoRA config with no `task_type` (or `null`) and names the one the base model's
    `architectures` imply: `*ForCausalLM` -> `CAUSAL_LM`, `*ForSequenceClassification` ->
    `SEQ_CLS`, `*ForTokenClassification` -> `TOKEN_CLS`, `*ForQuestionAnswering` ->
    `QUESTION_ANS`, an encoder-decoder `*ForConditionalGeneration` -> `SEQ_2_SEQ_LM`, a bare
    `*Model` -> `FEATURE_EXTRACTION`.

    ## Why it matters
    Without a task type PEFT builds a plain `PeftModel`: classification heads are not added to
    `modules_to_save` (they stay random and are not saved), `all-linear` puts LoRA on the head,
    and `generate()` helpers of `PeftModelForCausalLM` are missing.

    ## Example
    ```json
    {"base_model_name_or_path": "google-bert/bert-base-uncased", "target_modules": ["query", "value"]}
    ```
    Use instead:
    ```json
    {"base_model_name_or_path": "google-bert/bert-base-uncased", "target_modules": ["query", "value"],
     "task_type": "SEQ_CLS"}
    ```
    """

    code = "LL402"
    name = "missing-task-type"
    level = Level.WARNING
    summary = "task_type is not set; the model's architectures imply one."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec = ctx.spec
        if spec.task_type is not None:
            return
        implied = implied_task_type(ctx.inventory)
        if implied is None:
            return
        pointer = spec.pointer("task_type") if spec.has("task_type") else spec.root
        yield Finding(
            f"task_type is not set: PEFT builds a plain PeftModel; {ctx.inventory.architectures[0]} "
            f"implies task_type {implied}",
            pointer=pointer,
            hint=f"add task_type: {implied}",
            fix_suggestions=(implied,),
        )
