"""LL502 trainable-parameter-budget."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, RuleOption, register


@register
class TrainableParameterBudget(Rule):
    """An adapter larger than the configured budget.

    ## What it does
    Counts the adapter's trainable parameters exactly as PEFT's `get_nb_trainable_parameters()`
    does (LoRA A and B of every targeted module and parameter, DoRA magnitudes, `lora_bias`,
    biases unfrozen by `bias`, and the full copies `modules_to_save` makes) and compares them with
    `max-trainable-params` and `max-trainable-percent` (of the base model) in `[tool.lora-lint]`.
    Off until one of them is set.

    ## Why it matters
    The adapter's size sets optimiser memory, checkpoint size and serving cost. A budget in CI
    catches the config that quietly grew: `all-linear` at r=256, or `lm_head` and `embed_tokens`
    in `modules_to_save` (each a full vocab x hidden copy).

    ## Example
    ```toml
    [tool.lora-lint]
    max-trainable-percent = 1.0
    ```
    ```yaml
    target_modules: all-linear
    r: 256
    modules_to_save: [lm_head, embed_tokens]
    ```
    Use instead:
    ```yaml
    target_modules: [q_proj, k_proj, v_proj, o_proj]
    r: 16
    ```
    """

    code = "LL502"
    name = "trainable-parameter-budget"
    level = Level.ERROR
    summary = "The adapter's trainable parameters exceed the configured budget."
    requires_model = True
    options = (
        RuleOption("max-trainable-params", (int,), 0, "largest number of trainable parameters (0: no limit)"),
        RuleOption(
            "max-trainable-percent", (int, float), 0, "largest share of the base model, in percent (0: no limit)"
        ),
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        size = ctx.size
        if size is None:
            return
        limit, percent = ctx.option("max-trainable-params"), ctx.option("max-trainable-percent")
        over = []
        if limit and size.trainable > limit:
            over.append(f"more than max-trainable-params = {limit:,}")
        if percent and size.percent_of_base > percent:
            over.append(f"more than max-trainable-percent = {percent:g}%")
        if over:
            biggest = sorted(size.by_module.items(), key=lambda item: -item[1])[:3]
            yield Finding(
                f"the adapter trains {size.trainable:,} parameters ({size.percent_of_base:.3g}% of the base "
                f"model), {' and '.join(over)}",
                pointer=ctx.spec.pointer("target_modules"),
                hint="largest: " + ", ".join(f"`{name}` {count:,}" for name, count in biggest),
            )
