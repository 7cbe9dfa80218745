"""LL001 parse-error."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.rules.base import Context, Rule, register


@register
class ParseError(Rule):
    """A config file that cannot be read or parsed.

    ## What it does
    Reports a file named on the command line (or an `adapter_config.json`) that is not valid YAML or
    JSON, is not UTF-8, is too large, nests too deep, or uses a YAML tag that would construct a
    Python object. The finding points at the line and column where reading stopped.

    ## Why it matters
    A training job reads this file at start-up and fails there, after queueing for a GPU. YAML tags
    such as `!!python/object/apply` can run code when read with an unsafe loader; lora-lint never
    constructs them.

    ## Example
    ```json
    {"r": 8, "target_modules": ["q_proj", "v_proj"],}
    ```
    Use instead:
    ```json
    {"r": 8, "target_modules": ["q_proj", "v_proj"]}
    ```
    """

    code = "LL001"
    name = "parse-error"
    level = Level.ERROR
    summary = "The file cannot be read as YAML or JSON."
    applies_when_disabled = True
    applies_to = frozenset({"parse-error"})

    def check(self, ctx: Context) -> Iterator[Finding]:
        error = ctx.document.error
        if error is not None:
            yield Finding(error.message, span=error.span)
