"""LL411 key-newer-than-peft."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level
from linter.peft_facts import KEY_INTRODUCED
from linter.rules.base import Context, Rule, RuleOption, register


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in str(text).split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


@register
class KeyNewerThanPeft(Rule):
    """A config key that the oldest PEFT you support does not know.

    ## What it does
    With `peft-version = "0.13"` (the oldest PEFT your training or serving stack runs) in
    `[tool.lora-lint]`, reports every key first released in a later PEFT, using the table in
    `linter/peft_facts.py` (`use_dora` 0.9, `exclude_modules` 0.14, `target_parameters` 0.17, ...).
    Off until `peft-version` is set.

    ## Why it matters
    PEFT before 0.14 refuses an adapter config with an unknown key (`TypeError: LoraConfig.__init__()
    got an unexpected keyword argument`); 0.14 and later drop it with a warning, so the option
    silently does nothing. Configs written by a recent PEFT carry every key, even at its default.

    ## Example
    ```toml
    [tool.lora-lint]
    peft-version = "0.13"
    ```
    ```json
    {"r": 8, "target_modules": ["q_proj", "v_proj"], "exclude_modules": null, "lora_bias": false}
    ```
    Use instead (for a PEFT 0.13 consumer), drop the keys it does not know:
    ```json
    {"r": 8, "target_modules": ["q_proj", "v_proj"]}
    ```
    """

    code = "LL411"
    name = "key-newer-than-peft"
    level = Level.WARNING
    summary = "A key is newer than the configured minimum PEFT version."
    options = (
        RuleOption("peft-version", (str,), "", "oldest PEFT release that must load these configs (off when empty)"),
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        minimum = _version(ctx.option("peft-version"))
        if not minimum:
            return
        spec = ctx.spec
        for key, field in spec.fields.items():
            introduced = KEY_INTRODUCED.get(key)
            if introduced is None or field.pointer is None or _version(introduced) <= minimum:
                continue
            effect = (
                "raises TypeError (unexpected keyword argument)"
                if minimum < (0, 14)
                else "ignores it with a warning, so the option has no effect"
            )
            yield Finding(
                f"`{key}` is new in PEFT {introduced}: PEFT {ctx.option('peft-version')} {effect}",
                pointer=field.pointer,
                on_key=True,
                hint="remove the key, or raise peft-version",
            )
