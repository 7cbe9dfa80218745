"""LL314 peft-would-raise."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.heads import is_task_head_lora_failure
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import failure_pointer

#: failures another rule already reports, with its own position and advice
_REPORTED_ELSEWHERE = frozenset({"unsupported-module", "bad-rank", "bad-dropout", "bad-type"})


@register
class PeftWouldRaise(Rule):
    """Anything else that makes PEFT raise when the adapter is built on this model.

    ## What it does
    Replays `get_peft_model` on the model built on the meta device and reports the errors PEFT
    would raise that no more specific rule covers: no target matched at all (for example every
    match excluded), a model type with no default `target_modules`, transformers 5 fused MoE
    experts targeted only in part (`w1` without `w3`), `target_parameters` on a module that
    `target_modules` also targets, on the top-level module, on a 1-D parameter, or with
    `lora_dropout`, DoRA or `lora_bias`, `out_proj` / `conv1d` on Mamba models, a
    `modules_to_save` entry that would wrap a LoRA layer or a layer list, and invalid regular
    expressions.

    ## Why it matters
    Each one stops the training script at start-up with an exception, after the model was loaded.

    ## Example
    ```yaml
    # Mixtral on transformers 5: w1 and w3 are fused into gate_up_proj
    target_modules: [q_proj, w1, w2]
    ```
    Use instead:
    ```yaml
    target_modules: [q_proj, w1, w2, w3]
    ```
    """

    code = "LL314"
    name = "peft-would-raise"
    level = Level.ERROR
    summary = "PEFT would raise when building this adapter on this model."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        analysis = ctx.analysis
        seen: set[tuple] = set()
        for failure in analysis.failures:
            if failure.kind in _REPORTED_ELSEWHERE:
                continue
            if is_task_head_lora_failure(ctx.spec, failure):
                continue  # LL405 reports it at the target entry that puts LoRA on the head
            if failure.kind == "nothing-targeted" and self._explained(ctx):
                continue
            pointer = failure_pointer(ctx, failure)
            key = (failure.kind, pointer)
            if key in seen:
                continue
            seen.add(key)
            yield Finding(f"PEFT would raise: {failure.message}", pointer=pointer)

    @staticmethod
    def _explained(ctx: Context) -> bool:
        """True when entry-level rules already say why nothing is targeted."""
        analysis, spec = ctx.analysis, ctx.spec
        if any(p.kind == "no-lora-targets" for p in spec.pitfalls):
            return True  # LL604 says why, in the framework's terms
        if analysis.excluded_by_exclude or analysis.excluded_by_save:
            return False
        targets = spec.get("target_modules")
        if isinstance(targets, str) and targets:
            return True
        if analysis.dropped_by_layers:
            return True
        return any(not e.matches for e in analysis.target_entries + analysis.parameter_entries)
