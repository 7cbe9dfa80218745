"""LL103 conflicting-options."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import schema_problems


@register
class ConflictingOptions(Rule):
    """Options that `LoraConfig` refuses together.

    ## What it does
    Checks the cross-field conditions of `LoraConfig.__post_init__` and of layer creation:
    `layers_to_transform` or `layers_pattern` with a regex-string `target_modules`,
    `layers_pattern` without `layers_to_transform`, `use_dora` with `megatron_config` or
    `lora_bias`, `init_lora_weights: loftq` without `loftq_config`, `lora_bias` with an
    initialisation other than true/false, `init_lora_weights: orthogonal` with an odd `r`.

    ## Why it matters
    Each of these raises `ValueError` when the config is created or the adapter built, which in a
    training script happens after the model has been downloaded and loaded.

    ## Example
    ```yaml
    target_modules: ".*\\.(q_proj|v_proj)"
    layers_to_transform: [0, 1, 2]
    ```
    Use instead:
    ```yaml
    target_modules: [q_proj, v_proj]
    layers_to_transform: [0, 1, 2]
    ```
    """

    code = "LL103"
    name = "conflicting-options"
    level = Level.ERROR
    summary = "Options that LoraConfig refuses in combination."
    applies_when_disabled = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        for pointer, problem in schema_problems(ctx, "conflict"):
            yield Finding(problem.message, pointer=pointer, on_key=True)
