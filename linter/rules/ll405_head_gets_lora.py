"""LL405 head-gets-lora."""

from __future__ import annotations

from collections.abc import Iterator

from linter import heads
from linter.diagnostics import Finding, Level, Pointer
from linter.rules.base import Context, Rule, register


@register
class HeadGetsLora(Rule):
    """The task head is a LoRA target too, and PEFT raises TypeError.

    ## What it does
    Reports a module that gets LoRA and is also wrapped for full training by the suffixes the task
    type adds to `modules_to_save` (`classifier` and `score` for SEQ_CLS and TOKEN_CLS,
    `qa_outputs` for QUESTION_ANS), at the `target_modules` entry that puts LoRA on it. Typical
    causes: `all-linear` with TOKEN_CLS or QUESTION_ANS (PEFT leaves the head out of `all-linear`
    only for SEQ_CLS), the head listed in `target_modules` with TOKEN_CLS or QUESTION_ANS, and
    `all-linear` with SEQ_CLS on DistilBERT, whose `pre_classifier` ends with `classifier`.

    ## Why it matters
    PEFT raises `TypeError: modules_to_save cannot be applied to modules of type
    <class 'peft.tuners.lora.layer.Linear'>` when the model is wrapped, after it was loaded.
    TOKEN_CLS and QUESTION_ANS add their head to `modules_to_save` only after LoRA was injected,
    so the head is not kept out of LoRA as a `modules_to_save` entry of your own would be.

    ## Example
    ```yaml
    task_type: TOKEN_CLS
    target_modules: all-linear
    ```
    Use instead:
    ```yaml
    task_type: TOKEN_CLS
    target_modules: all-linear
    exclude_modules: [classifier]
    ```
    """

    code = "LL405"
    name = "head-gets-lora"
    level = Level.ERROR
    summary = "The task head also gets LoRA; PEFT raises TypeError (modules_to_save on a LoRA layer)."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, analysis = ctx.spec, ctx.analysis
        task = spec.task_type
        for name, suffix in heads.lora_hits_from_task(spec, analysis):
            pointer, source = self._source(ctx, name)
            yield Finding(
                f"`{name}` gets LoRA from {source}, and task_type {task} also wraps it for full training "
                f"(modules_to_save suffix `{suffix}`): PEFT raises TypeError (modules_to_save cannot be "
                "applied to a LoRA layer)",
                pointer=pointer,
                hint=f"add exclude_modules: [{name}] (it is then trained in full only), "
                f"or put `{name}` in modules_to_save",
                fix_suggestions=(name,),
            )

    @staticmethod
    def _source(ctx: Context, name: str) -> tuple[Pointer, str]:
        """Where the LoRA on `name` comes from in the user's file."""
        spec, analysis = ctx.spec, ctx.analysis
        targets = spec.get("target_modules")
        if isinstance(targets, str) and spec.has("target_modules"):
            return spec.pointer("target_modules"), f"`target_modules: {targets}`"
        for entry in analysis.target_entries:
            if name in entry.matches:
                return spec.pointer("target_modules", entry.index), f"target_modules entry `{entry.value}`"
        for entry in analysis.parameter_entries:
            if any(key.rpartition(".")[0] == name for key in entry.matches):
                return spec.pointer("target_parameters", entry.index), f"target_parameters `{entry.value}`"
        if spec.has("target_modules"):
            return spec.pointer("target_modules"), "`target_modules`"
        return spec.pointer("task_type"), "the default target_modules"
