"""LL309 unmatched-modules-to-save."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.names import close_names, format_names
from linter.rules.base import Context, Rule, register


@register
class UnmatchedModulesToSave(Rule):
    """A `modules_to_save` entry that matches no module.

    ## What it does
    PEFT wraps every module whose name ends with a `modules_to_save` entry (a plain string suffix)
    for full training. This rule reports entries that match no module name.

    ## Why it matters
    A miss is silent: `["lm_haed"]` trains nothing extra and saves nothing extra, and a
    classification head that was meant to be trained stays randomly initialised and is not saved
    with the adapter (PEFT issues #876, #1070).

    ## Example
    ```yaml
    modules_to_save: [lm_haed, embed_tokens]
    ```
    Use instead:
    ```yaml
    modules_to_save: [lm_head, embed_tokens]
    ```
    """

    code = "LL309"
    name = "unmatched-modules-to-save"
    level = Level.WARNING
    summary = "A modules_to_save entry matches no module; nothing extra is trained or saved."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv, analysis = ctx.spec, ctx.inventory, ctx.analysis
        leaves = inv.leaf_names()
        for entry in analysis.save_entries:
            if entry.matches:
                continue
            close = close_names(str(entry.value), leaves)
            yield Finding(
                f"modules_to_save entry `{entry.value}` matches no module of {ctx.model_name}: "
                "nothing is trained or saved for it",
                pointer=spec.pointer("modules_to_save", entry.index),
                hint=f"did you mean {format_names(close)}?" if close else None,
                fix_suggestions=tuple(close),
            )
