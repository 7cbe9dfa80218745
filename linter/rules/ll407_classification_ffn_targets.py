"""LL407 classification-ffn-targets."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.roles import FFN, lora_parameters, module_role
from linter.rules.base import Context, Rule, register
from linter.targets import rank_and_alpha

CLASSIFICATION = ("SEQ_CLS", "TOKEN_CLS", "QUESTION_ANS")


@register
class ClassificationFfnTargets(Rule):
    """Guidance: a classification adapter that also targets the feed-forward layers.

    ## What it does
    For `SEQ_CLS`, `TOKEN_CLS` and `QUESTION_ANS`, reports targeted feed-forward layers and the
    trainable parameters they add. Opt-in: select `LL407` to see it.

    ## Why it matters
    Attention-only targeting (query and value) usually suffices for classification; the FFN
    projections are the widest layers, so they dominate the adapter's size and training cost for
    little gain on such tasks.

    ## Example
    ```yaml
    task_type: SEQ_CLS
    target_modules: all-linear
    ```
    Use instead:
    ```yaml
    task_type: SEQ_CLS
    target_modules: [query, value]
    ```
    """

    code = "LL407"
    name = "classification-ffn-targets"
    level = Level.INFO
    summary = "Guidance: a classification adapter also targets the FFN layers."
    requires_model = True
    opt_in = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv, analysis = ctx.spec, ctx.inventory, ctx.analysis
        if not isinstance(spec.task_type, str) or spec.task_type not in CLASSIFICATION:
            return
        options = spec.peft_options()
        ffn = [n for n in analysis.targeted_modules if module_role(n, inv) == FFN]
        if not ffn:
            return
        added = sum(
            lora_parameters(
                inv.module(n).in_features, inv.module(n).out_features, rank_and_alpha(options, analysis, n)[0]
            )
            for n in ffn
        )
        leaves = sorted({".".join(n.split(".")[-2:]) for n in ffn})
        yield Finding(
            f"attention-only targeting usually suffices for classification: the FFN targets "
            f"({', '.join(f'`{leaf}`' for leaf in leaves)}) add {added:,} trainable parameters",
            pointer=spec.pointer("target_modules"),
        )
