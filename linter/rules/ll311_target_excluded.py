"""LL311 target-excluded."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import example


@register
class TargetExcluded(Rule):
    """A target that `modules_to_save` or `exclude_modules` silently takes away from LoRA.

    ## What it does
    Reports a `target_modules` entry whose modules are also matched by `modules_to_save` (PEFT
    then trains them in full and gives them no LoRA, and the same for everything inside a saved
    module), and an entry whose every module is excluded by `exclude_modules`.

    ## Why it matters
    PEFT skips such modules without a word. A module in both lists has no adapter: the adapter
    file does not hold what the config says, and the full copy makes it much larger.

    ## Example
    ```yaml
    target_modules: [q_proj, v_proj, lm_head]
    modules_to_save: [lm_head]
    ```
    Use instead (pick one role per module):
    ```yaml
    target_modules: [q_proj, v_proj]
    modules_to_save: [lm_head]
    ```
    """

    code = "LL311"
    name = "target-excluded"
    level = Level.WARNING
    summary = "A target is also in modules_to_save / exclude_modules and gets no LoRA."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, analysis = ctx.spec, ctx.analysis
        saved = set(analysis.excluded_by_save)
        excluded = set(analysis.excluded_by_exclude)
        targeted = set(analysis.targeted_modules)
        for entry in analysis.target_entries:
            if not entry.matches or entry.converted_to:
                continue
            hits_saved = [m for m in entry.matches if m in saved]
            pointer = spec.pointer("target_modules", entry.index)
            if hits_saved:
                yield Finding(
                    f"`{entry.value}` matches {example(hits_saved)}, which modules_to_save also covers: "
                    "PEFT trains it in full and gives it no LoRA",
                    pointer=pointer,
                    hint="remove it from one of the two lists",
                )
            elif not any(m in targeted for m in entry.matches) and all(m in excluded for m in entry.matches):
                yield Finding(
                    f"every module `{entry.value}` matches is excluded by exclude_modules: it adds no LoRA",
                    pointer=pointer,
                )
