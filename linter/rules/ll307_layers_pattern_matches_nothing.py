"""LL307 layers-pattern-matches-nothing."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.names import close_names, format_names
from linter.rules.base import Context, Rule, register
from linter.targets import layer_indices


@register
class LayersPatternMatchesNothing(Rule):
    """A `layers_pattern` that names no layer list of the model.

    ## What it does
    PEFT finds a module's layer index with `(?:^|.*?\\.){layers_pattern}\\.(\\d+)\\.`. This rule
    reports a pattern (or each entry of a list of patterns) under which no module has an index,
    and names the model's real layer lists.

    ## Why it matters
    With no index found, no module is in a selected layer: PEFT raises `Target modules ... not
    found ... You also specified 'layers_pattern'`. The names differ per architecture: `layers`
    (Llama), `h` (GPT-2, BLOOM), `layer` (BERT), `block` (T5), `blocks` (MPT).

    ## Example
    ```yaml
    target_modules: [q_proj, v_proj]
    layers_to_transform: [0, 1]
    layers_pattern: h          # a GPT-2 name, on a Llama model
    ```
    Use instead:
    ```yaml
    layers_pattern: layers
    ```
    """

    code = "LL307"
    name = "layers-pattern-matches-nothing"
    level = Level.ERROR
    summary = "layers_pattern names no layer list of the model."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv = ctx.spec, ctx.inventory
        pattern = spec.get("layers_pattern")
        if not pattern:
            return
        if isinstance(pattern, str):
            items = [(None, pattern)]
        elif isinstance(pattern, list):
            items = list(enumerate(pattern))
        else:
            return  # a wrong type is LL101's finding
        lists = [m.name for m in inv.modules if m.kind == "module_list"]
        leaves = list(dict.fromkeys(n.split(".")[-1] for n in lists))
        for index, entry in items:
            if not isinstance(entry, str) or layer_indices(inv, [entry]):
                continue
            pointer = spec.pointer("layers_pattern", index) if index is not None else spec.pointer("layers_pattern")
            close = close_names(entry, leaves, n=1) or leaves[:1]
            yield Finding(
                f"layers_pattern `{entry}` names no layer list of {ctx.model_name}"
                + (f"; its layer lists are {format_names(lists)}" if lists else ""),
                pointer=pointer,
                hint=f"did you mean `{close[0]}`?" if close else None,
                fix_suggestions=tuple(close),
            )
