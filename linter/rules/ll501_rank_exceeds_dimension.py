"""LL501 rank-exceeds-dimension."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.targets import rank_and_alpha


@register
class RankExceedsDimension(Rule):
    """A rank larger than the layer it adapts.

    ## What it does
    For every targeted module, compares its rank (`r`, or the matching `rank_pattern` value) with
    the module's input and output sizes: larger than the smaller one is a warning, equal to or
    larger than both is an error. Findings are grouped by module name and shape.

    ## Why it matters
    The update `B @ A` of an (in, out) layer has rank at most min(in, out): every extra rank is
    trainable parameters and optimiser memory that cannot change the result. A rank as large as
    the layer itself is a full fine-tune of that layer in a costlier form, almost always a typo
    (`r: 4096` for `r: 16`) or a config written for a bigger model.

    ## Example
    ```yaml
    # a model with hidden size 64 and 2 key/value heads of 16 (k_proj: 64 -> 32)
    r: 48
    target_modules: [q_proj, k_proj]
    ```
    Use instead:
    ```yaml
    r: 16
    target_modules: [q_proj, k_proj]
    ```
    """

    code = "LL501"
    name = "rank-exceeds-dimension"
    level = Level.WARNING
    summary = "r (or a rank_pattern value) exceeds the size of a targeted layer."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv, analysis = ctx.spec, ctx.inventory, ctx.analysis
        options = spec.peft_options()
        groups: dict[tuple, list[str]] = {}
        for name in analysis.targeted_modules:
            module = inv.module(name)
            if module.in_features is None or module.out_features is None:
                continue
            rank, _, pattern = rank_and_alpha(options, analysis, name)
            if not isinstance(rank, int) or isinstance(rank, bool):
                continue
            if rank > min(module.in_features, module.out_features) or rank >= max(
                module.in_features, module.out_features
            ):
                key = (module.leaf, module.in_features, module.out_features, rank, pattern)
                groups.setdefault(key, []).append(name)
        for (leaf, fan_in, fan_out, rank, pattern), names in groups.items():
            both = rank >= max(fan_in, fan_out)
            source = f"rank_pattern `{pattern}`" if pattern else "r"
            pointer = spec.pointer("rank_pattern") + (pattern,) if pattern else spec.pointer("r")
            count = f"{len(names)} module{'s' if len(names) > 1 else ''}"
            if both:
                message = (
                    f"{source} = {rank} is as large as `{leaf}` itself ({fan_in} -> {fan_out}, {count}): "
                    "a full-rank update costs more than training the layer in full"
                )
            else:
                message = (
                    f"{source} = {rank} is larger than the smaller size of `{leaf}` ({fan_in} -> {fan_out}, "
                    f"{count}): ranks above {min(fan_in, fan_out)} add parameters that cannot change the update"
                )
            yield Finding(
                message,
                pointer=pointer,
                hint=f"use a rank below {min(fan_in, fan_out)}",
                level=Level.ERROR if both else None,
            )
