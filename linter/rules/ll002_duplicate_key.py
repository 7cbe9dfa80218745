"""LL002 duplicate-key."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register


@register
class DuplicateKey(Rule):
    """A key that appears twice in the same mapping.

    ## What it does
    Reports every repetition of a key within one mapping, at the repeated key.

    ## Why it matters
    YAML and JSON readers (`yaml.safe_load`, `json.loads`, and so PEFT and every trainer) keep the
    last value without a word: the first `r: 8` of a file that later says `r: 16` is silently lost,
    and a review of the first one is misleading.

    ## Example
    ```yaml
    r: 8
    target_modules: [q_proj, v_proj]
    r: 16
    ```
    Use instead:
    ```yaml
    r: 16
    target_modules: [q_proj, v_proj]
    ```
    """

    code = "LL002"
    name = "duplicate-key"
    level = Level.ERROR
    summary = "A key appears twice in one mapping; only the last value is used."
    applies_when_disabled = True
    applies_to = frozenset({"lora", "model-config"})

    def check(self, ctx: Context) -> Iterator[Finding]:
        for dup in ctx.document.duplicates:
            key = dup.pointer[-1]
            yield Finding(
                f"duplicate key `{key}`: the value at line {dup.first_span.line} is silently replaced by this one",
                span=dup.span,
                hint="keep one of the two",
            )
