"""LL201 model-unavailable."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register


@register
class ModelUnavailable(Rule):
    """The base model could not be resolved or built, so model checks were skipped.

    ## What it does
    Says, once per file, why the base model's `config.json` could not be used: no model named,
    offline and not cached, gated or private (401/403), not found (404), no `config.json`, a
    model that needs its own code (`--trust-remote-code` not given), an unknown `model_type`, or
    a task type with no model class for this architecture. Schema checks still run.

    ## Why it matters
    Without the model, a typo in `target_modules` cannot be told from a real name. The fix is
    usually one of: run once online (the config is then cached), pass `--model` with a local
    directory, map the name in `[tool.lora-lint.models]`, or set `HF_TOKEN` for gated models.

    ## Example
    ```json
    {"base_model_name_or_path": "meta-llama/Llama-3.1-8B", "target_modules": ["q_proj"]}
    ```
    With `HF_HUB_OFFLINE=1` and an empty cache, map the model to a local copy:
    ```toml
    [tool.lora-lint.models]
    "meta-llama/Llama-3.1-8B" = "models/llama-3.1-8b"
    ```
    """

    code = "LL201"
    name = "model-unavailable"
    level = Level.WARNING
    summary = "The base model could not be resolved; model checks were skipped for this file."

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.model_problem is None:
            return
        spec = ctx.spec
        pointer = spec.pointer("base_model_name_or_path") if spec is not None else ()
        yield Finding(
            f"model checks skipped: {ctx.model_problem}",
            pointer=pointer,
            hint="pass --model PATH_OR_ID, or map the name in [tool.lora-lint.models] of pyproject.toml",
        )
