"""LL410 fan-in-fan-out-mismatch."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register

#: the key each dialect sets fan_in_fan_out with (frameworks without one are not reported)
_KEY = {"peft": "fan_in_fan_out", "axolotl": "lora_fan_in_fan_out"}


@register
class FanInFanOutMismatch(Rule):
    """`fan_in_fan_out` that does not match the targeted layer type.

    ## What it does
    transformers' `Conv1D` (GPT-2, GPT-BigCode) stores weights as (in, out) and needs
    `fan_in_fan_out: true`; `torch.nn.Linear` needs `false`. This rule reports the mismatch.

    ## Why it matters
    PEFT corrects it per layer with a warning and rewrites the shared config, so the saved
    `adapter_config.json` says something other than the committed one; on a model mixing both
    layer types the saved value depends on which layer came last.

    ## Example
    ```yaml
    # GPT-2
    target_modules: [c_attn]
    ```
    Use instead:
    ```yaml
    target_modules: [c_attn]
    fan_in_fan_out: true
    ```
    """

    code = "LL410"
    name = "fan-in-fan-out-mismatch"
    level = Level.WARNING
    summary = "fan_in_fan_out does not match the targeted layers; PEFT flips it."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv, analysis = ctx.spec, ctx.inventory, ctx.analysis
        key = _KEY.get(spec.dialect)
        if key is None:
            return  # the framework has no such setting: PEFT's own correction is all there is
        value = bool(spec.get("fan_in_fan_out", False))
        kinds = {inv.module(n).kind for n in analysis.targeted_modules}
        pointer = spec.pointer("fan_in_fan_out") if spec.has("fan_in_fan_out") else spec.pointer("target_modules")
        if not value and "conv1d_hf" in kinds:
            yield Finding(
                "the targeted layers are transformers Conv1D (weights stored in, out), which need "
                "fan_in_fan_out: true; PEFT flips it and saves true",
                pointer=pointer,
                hint=f"set {key}: true",
                fix_suggestions=("true",),
            )
        elif value and "linear" in kinds:
            yield Finding(
                "fan_in_fan_out is true but the targeted layers are torch.nn.Linear; PEFT sets it to false",
                pointer=pointer,
                hint="remove fan_in_fan_out (false is the default)",
                fix_suggestions=("false",),
            )
