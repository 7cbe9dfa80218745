"""LL503 effective-scale."""

from __future__ import annotations

import math
from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, RuleOption, register


@register
class EffectiveScale(Rule):
    """An effective LoRA scale outside the usual range.

    ## What it does
    LoRA scales its update by `lora_alpha / r` (`lora_alpha / sqrt(r)` with `use_rslora`). This
    rule reports a scale outside `scale-range` (default 0.25 to 4): for example `lora_alpha: 16`
    with `r: 256`, or `lora_alpha: 512` with `r: 8`.

    ## Why it matters
    The scale multiplies the learning rate of the adapter in effect: far below the usual range the
    adapter barely learns, far above it training diverges. Changing `r` without changing
    `lora_alpha` moves the scale without anyone meaning to.

    ## Example
    ```yaml
    r: 256
    lora_alpha: 16      # scale 0.0625
    ```
    Use instead:
    ```yaml
    r: 256
    lora_alpha: 512     # scale 2, or use_rslora: true with lora_alpha: 32
    ```
    """

    code = "LL503"
    name = "effective-scale"
    level = Level.INFO
    summary = "lora_alpha / r (or / sqrt(r) with use_rslora) is outside the configured range."
    options = (RuleOption("scale-range", (list,), [0.25, 4.0], "lowest and highest effective scale accepted"),)

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec = ctx.spec
        r, alpha = spec.get("r", 8), spec.get("lora_alpha", 8)
        numbers = (int, float)
        if not isinstance(r, int) or isinstance(r, bool) or r < 1 or not isinstance(alpha, numbers):
            return
        low, high = ctx.option("scale-range")
        rslora = bool(spec.get("use_rslora"))
        scale = alpha / math.sqrt(r) if rslora else alpha / r
        if low <= scale <= high:
            return
        formula = "lora_alpha / sqrt(r)" if rslora else "lora_alpha / r"
        alpha_field = spec.fields.get("lora_alpha")
        pointer = alpha_field.pointer if alpha_field is not None and alpha_field.pointer else spec.pointer("r")
        target = low if scale < low else high
        suggested = target * (math.sqrt(r) if rslora else r)
        yield Finding(
            f"effective scale {formula} = {scale:g} is outside {low:g} to {high:g}",
            pointer=pointer,
            hint=f"lora_alpha: {suggested:g} gives {target:g}",
        )
