"""LL409 tied-embedding-adapted."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register


@register
class TiedEmbeddingAdapted(Rule):
    """`lm_head` or the input embedding adapted or saved on a model that ties them.

    ## What it does
    When the model ties its output head to its input embedding (`tie_word_embeddings`, e.g.
    GPT-2, Gemma, Llama 3.2 1B/3B, T5), reports a LoRA target or a `modules_to_save` entry that
    covers either of them, unless `ensure_weight_tying` is set.

    ## Why it matters
    PEFT adapts or copies one side only: after training (and after merging) the head and the
    embedding no longer share weights, which changes the model and breaks conversions that assume
    the tie (PEFT issues #1750, #2777). `ensure_weight_tying: true` (PEFT 0.18) keeps them tied.

    ## Example
    ```yaml
    # Llama 3.2 1B ties lm_head to embed_tokens
    target_modules: [q_proj, v_proj]
    modules_to_save: [lm_head]
    ```
    Use instead:
    ```yaml
    target_modules: [q_proj, v_proj]
    modules_to_save: [lm_head]
    ensure_weight_tying: true
    ```
    """

    code = "LL409"
    name = "tied-embedding-adapted"
    level = Level.WARNING
    summary = "A tied lm_head / embedding is adapted or saved, which unties it."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv, analysis = ctx.spec, ctx.inventory, ctx.analysis
        if spec.get("ensure_weight_tying") or not inv.tie_word_embeddings or not inv.tied_parameters:
            return
        tied = {m for m in (inv.output_embeddings, inv.input_embeddings) if m}
        tied_params = {p.rsplit(".", 1)[0] for group in inv.tied_parameters for p in group}
        tied &= tied_params
        if not tied:
            return
        for option, hits, what in (
            ("target_modules", [m for m in analysis.targeted_modules if m in tied], "gets LoRA"),
            ("modules_to_save", [m for m in analysis.saved_modules if m in tied], "is trained in full"),
        ):
            for module in hits:
                yield Finding(
                    f"`{module}` {what}, but {ctx.model_name} ties it to "
                    f"`{next(iter(tied - {module}), module)}`: saving the adapter unties them",
                    pointer=_entry_pointer(spec, option, module),
                    hint="set ensure_weight_tying: true to keep them tied",
                )


def _entry_pointer(spec, option: str, module: str):
    value = spec.get(option)
    if isinstance(value, list):
        for index, entry in enumerate(value):
            if isinstance(entry, str) and (module == entry or module.endswith("." + entry) or module.endswith(entry)):
                return spec.pointer(option, index)
    return spec.pointer(option)
