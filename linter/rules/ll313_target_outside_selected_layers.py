"""LL313 target-outside-selected-layers."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import example
from linter.targets import layer_index_of, layer_indices


@register
class TargetOutsideSelectedLayers(Rule):
    """A target entry that `layers_to_transform` removes entirely.

    ## What it does
    With `layers_to_transform`, PEFT keeps a module matched by `.`-suffix only if its name
    carries a selected layer index (an entry equal to a module's full name bypasses the check).
    This rule reports a `target_modules` entry whose every match is removed: modules outside the
    layer lists (`embed_tokens`, or `lm_head` written as a suffix) have no layer index at all, and
    a suffix such as `layers.3.self_attn.q_proj` is removed unless layer 3 is selected.

    ## Why it matters
    PEFT drops such entries silently (PEFT issue #1024): the head that was meant to get LoRA does
    not, and the run still starts.

    ## Example
    ```yaml
    target_modules: [q_proj, v_proj, lm_head]
    layers_to_transform: [0, 1]
    ```
    Use instead (train the head in full, or drop the layer selection):
    ```yaml
    target_modules: [q_proj, v_proj]
    layers_to_transform: [0, 1]
    modules_to_save: [lm_head]
    ```
    """

    code = "LL313"
    name = "target-outside-selected-layers"
    level = Level.ERROR
    summary = "layers_to_transform removes every module a target entry matches."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv, analysis = ctx.spec, ctx.inventory, ctx.analysis
        requested = spec.get("layers_to_transform")
        if isinstance(requested, int):
            selected = {requested}
        elif isinstance(requested, list):
            selected = {i for i in requested if isinstance(i, int)}
        else:
            return  # a wrong type is LL101's finding
        pattern = spec.get("layers_pattern")
        available = layer_indices(inv, pattern)
        if not selected & available:
            return  # nothing selectable: LL306 / LL307 say why
        dropped = set(analysis.dropped_by_layers)
        for entry in analysis.target_entries:
            if not entry.matches or entry.converted_to or not all(m in dropped for m in entry.matches):
                continue
            indices = sorted({i for i in (layer_index_of(m, pattern) for m in entry.matches) if i is not None})
            if not indices:
                why = "they are outside the layer lists and have no layer index"
            else:
                layers = ", ".join(map(str, indices))
                why = f"they sit in layer{'s' if len(indices) > 1 else ''} {layers}"
            yield Finding(
                f"`{entry.value}` matches {example(entry.matches)}, but layers_to_transform keeps none "
                f"of them ({why}): PEFT drops the entry silently",
                pointer=spec.pointer("target_modules", entry.index),
                hint="train modules outside the layers with modules_to_save, or drop the layer selection",
            )
