"""LL408 causal-lm-attention-only."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.models.inventory import LINEAR_KINDS
from linter.roles import ATTENTION, FFN, lora_parameters, module_role
from linter.rules.base import Context, Rule, register
from linter.targets import rank_and_alpha


@register
class CausalLmAttentionOnly(Rule):
    """Guidance: a causal-LM adapter that targets attention layers only.

    ## What it does
    For `CAUSAL_LM`, when every targeted module is an attention projection, names the model's
    feed-forward projections and what adding them would cost at the configured rank and at half
    of it. Opt-in: select `LL408` to see it.

    ## Why it matters
    Attention-only LoRA (the classic q/v default) adapts style and format well; for knowledge
    injection or style transfer, adding the FFN projections (gate / up / down) is the usual next
    step, and its cost is worth knowing before the run.

    ## Example
    ```yaml
    task_type: CAUSAL_LM
    target_modules: [q_proj, v_proj]
    ```
    Use instead, when the task needs more capacity:
    ```yaml
    task_type: CAUSAL_LM
    target_modules: [q_proj, v_proj, gate_proj, up_proj, down_proj]
    rank_pattern: {gate_proj: 4, up_proj: 4, down_proj: 4}
    ```
    """

    code = "LL408"
    name = "causal-lm-attention-only"
    level = Level.INFO
    summary = "Guidance: a causal-LM adapter targets attention only; FFN costs shown."
    requires_model = True
    opt_in = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec, inv, analysis = ctx.spec, ctx.inventory, ctx.analysis
        if spec.task_type != "CAUSAL_LM" or not analysis.targeted_modules:
            return
        if any(module_role(n, inv) != ATTENTION for n in analysis.targeted_modules):
            return
        ffn = [m for m in inv.modules if m.kind in LINEAR_KINDS and module_role(m.name, inv) == FFN]
        if not ffn:
            return
        rank = rank_and_alpha(spec.peft_options(), analysis, ffn[0].name)[0]
        if not isinstance(rank, int) or isinstance(rank, bool):
            return
        half = max(rank // 2, 1)
        full_cost = sum(lora_parameters(m.in_features, m.out_features, rank) for m in ffn)
        half_cost = sum(lora_parameters(m.in_features, m.out_features, half) for m in ffn)
        leaves = list(dict.fromkeys(m.leaf for m in ffn))
        yield Finding(
            "only attention layers are targeted; for knowledge injection or style transfer, the FFN "
            f"projections {', '.join(f'`{leaf}`' for leaf in leaves)} can be added: "
            f"{full_cost:,} more trainable parameters at r={rank}, {half_cost:,} at r={half}",
            pointer=spec.pointer("target_modules"),
            fix_suggestions=tuple(leaves),
        )
