"""LL401 task-type-model-mismatch."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import implied_task_type


@register
class TaskTypeModelMismatch(Rule):
    """A `task_type` whose model class does not exist for this architecture.

    ## What it does
    PEFT's task type decides the transformers auto class the training script loads
    (`SEQ_2_SEQ_LM` -> `AutoModelForSeq2SeqLM`, `TOKEN_CLS` -> `AutoModelForTokenClassification`,
    ...). This rule reports a task type whose auto class has no model for the base model's
    config, such as `SEQ_2_SEQ_LM` on a decoder-only model. The other checks still run, on the
    class named by the config's `architectures`.

    ## Why it matters
    PEFT itself accepts the mismatch silently (a `LlamaForCausalLM` wrapped as `SEQ_2_SEQ_LM`),
    but the script fails when it loads the model with that auto class, or trains the wrong head.

    ## Example
    ```yaml
    base_model_name_or_path: meta-llama/Llama-3.1-8B
    task_type: SEQ_2_SEQ_LM
    ```
    Use instead:
    ```yaml
    task_type: CAUSAL_LM
    ```
    """

    code = "LL401"
    name = "task-type-model-mismatch"
    level = Level.ERROR
    summary = "The task type's model class does not exist for this architecture."

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.task_type_problem is None:
            return
        implied = implied_task_type(ctx.inventory)
        yield Finding(
            f"task_type {ctx.spec.task_type}: {ctx.task_type_problem}",
            pointer=ctx.spec.pointer("task_type"),
            hint=f"this model's architectures imply {implied}" if implied else None,
            fix_suggestions=(implied,) if implied else (),
        )
