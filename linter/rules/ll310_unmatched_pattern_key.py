"""LL310 unmatched-pattern-key."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register


@register
class UnmatchedPatternKey(Rule):
    """A `rank_pattern` or `alpha_pattern` key that matches no targeted module or parameter.

    ## What it does
    PEFT looks a targeted module up in these mappings with `re.match(rf"(.*\\.)?({key})$", name)`.
    This rule reports keys that match no module or parameter LoRA will target, so their rank or
    alpha is never used. Unlike PEFT's own warning, keys that match `target_parameters` count.

    ## Why it matters
    An unused key means the module trains at the default `r`, often a fraction of the intended
    capacity. Anchored keys (`^q_proj`) and keys for modules that are not targeted never match.

    ## Example
    ```yaml
    target_modules: [q_proj, v_proj]
    rank_pattern: {k_proj: 32}
    ```
    Use instead:
    ```yaml
    target_modules: [q_proj, k_proj, v_proj]
    rank_pattern: {k_proj: 32}
    ```
    """

    code = "LL310"
    name = "unmatched-pattern-key"
    level = Level.WARNING
    summary = "A rank_pattern / alpha_pattern key matches no targeted module; it is ignored."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, analysis = ctx.spec, ctx.analysis
        for option, keys in (
            ("rank_pattern", analysis.rank_pattern_unmatched),
            ("alpha_pattern", analysis.alpha_pattern_unmatched),
        ):
            for key in keys:
                anchored = key.startswith("^")
                yield Finding(
                    f"{option} key `{key}` matches no module or parameter LoRA targets: its value is ignored",
                    pointer=spec.pointer(option) + (key,),
                    on_key=True,
                    hint="a leading `^` never matches a nested module name" if anchored else None,
                )
