"""LL312 unmatched-target-parameter."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.names import format_names, suggest_parameter_names
from linter.rules.base import Context, Rule, register


@register
class UnmatchedTargetParameter(Rule):
    """A `target_parameters` entry that matches no parameter of the model.

    ## What it does
    PEFT matches `target_parameters` entries against `module_name.parameter_name` by full name or
    `.`-suffix, over each module's own parameters. This rule reports entries that match none, with
    the closest real 2-D or 3-D parameter names (e.g. `mlp.experts.gate_up_proj`).

    ## Why it matters
    When `target_modules` matched something, PEFT only warns that no parameter matched, and the
    experts the config was written for are not trained.

    ## Example
    ```yaml
    target_modules: [q_proj, v_proj]
    target_parameters: [experts.gate_up]
    lora_dropout: 0.0
    ```
    Use instead:
    ```yaml
    target_parameters: [experts.gate_up_proj, experts.down_proj]
    ```
    """

    code = "LL312"
    name = "unmatched-target-parameter"
    level = Level.ERROR
    summary = "A target_parameters entry matches no parameter."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv, analysis = ctx.spec, ctx.inventory, ctx.analysis
        for entry in analysis.parameter_entries:
            if entry.matches:
                continue
            close = suggest_parameter_names(entry.value, inv)
            yield Finding(
                f"target_parameters entry `{entry.value}` matches no parameter of {ctx.model_name}",
                pointer=spec.pointer("target_parameters", entry.index),
                hint=f"did you mean {format_names(close)}?" if close else None,
                fix_suggestions=tuple(close),
            )
