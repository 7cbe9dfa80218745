"""LL306 layer-index-out-of-range."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.targets import layer_indices


@register
class LayerIndexOutOfRange(Rule):
    """A `layers_to_transform` index the model does not have.

    ## What it does
    Reads the layer index of every module name the way PEFT does (the first number after a layer
    list's name, or after `layers_pattern`) and reports requested indices that no module has.

    ## Why it matters
    An index past the last layer selects nothing. If every index is out of range PEFT raises
    `Target modules ... not found ... Note: You specified 'layers_to_transform'`; if only some are,
    those layers are silently left out (a config written for a 32-layer model, reused on a
    24-layer one).

    ## Example
    ```yaml
    target_modules: [q_proj, v_proj]
    layers_to_transform: [28, 29, 30, 31]   # the model has 24 layers
    ```
    Use instead:
    ```yaml
    target_modules: [q_proj, v_proj]
    layers_to_transform: [20, 21, 22, 23]
    ```
    """

    code = "LL306"
    name = "layer-index-out-of-range"
    level = Level.ERROR
    summary = "A layers_to_transform index is not a layer of the model."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv = ctx.spec, ctx.inventory
        requested = spec.get("layers_to_transform")
        if isinstance(requested, bool) or not isinstance(requested, (int, list)):
            return
        available = layer_indices(inv, spec.get("layers_pattern"))
        if not available:
            return  # LL307 (or no layer lists at all)
        top = max(available)
        items = [(None, requested)] if isinstance(requested, int) else list(enumerate(requested))
        for index, layer in items:
            if isinstance(layer, bool) or not isinstance(layer, int) or layer in available:
                continue
            pointer = (
                spec.pointer("layers_to_transform", index)
                if index is not None
                else spec.pointer("layers_to_transform")
            )
            yield Finding(
                f"layer {layer} does not exist: {ctx.model_name} has layers 0 to {top}",
                pointer=pointer,
                hint=f"use indices between 0 and {top}",
            )
