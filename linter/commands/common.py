"""What `inspect`, `explain` and `suggest` share: model options, the ModelProvider, text tables.

The commands resolve models exactly as `check` does (same ModelProvider, same inventory cache,
same `[tool.lora-lint]` settings for model aliases, `offline` and `trust-remote-code`), so a model
that lints is a model they can show, and their numbers come from the same Inventory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from linter.peft_facts import TASK_TYPES

if TYPE_CHECKING:  # the commands import the model machinery only when they run
    from linter.models.provider import ModelOutcome, ModelProvider

__all__ = ["TASK_TYPES", "make_provider", "model_options", "number", "require_model", "table"]


def model_options(func: Callable) -> Callable:
    """--offline, --trust-remote-code and --no-cache, as `check` has them."""
    func = click.option("--no-cache", is_flag=True, help="Neither read nor write the inventory cache.")(func)
    func = click.option(
        "--trust-remote-code",
        is_flag=True,
        help="Allow building models whose config needs their own Python code (runs that code).",
    )(func)
    func = click.option(
        "--offline", is_flag=True, help="Never contact the Hub; use local directories and the HF cache."
    )(func)
    func = click.option("--no-catalog", is_flag=True, help="Do not use the built-in catalogue of popular models.")(
        func
    )
    return func


def settings_for(cwd: Path, offline: bool, trust_remote_code: bool):
    """The `[tool.lora-lint]` settings of the working directory, with the command-line flags applied."""
    from linter.settings import Overrides, SettingsError, SettingsResolver

    try:
        resolver = SettingsResolver(Overrides(offline=offline, trust_remote_code=trust_remote_code))
        return resolver, resolver.for_directory(cwd)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from exc


def make_provider(
    *,
    offline: bool,
    trust_remote_code: bool,
    no_cache: bool,
    override: str | None = None,
    cwd: Path | None = None,
    no_catalog: bool = False,
) -> tuple[ModelProvider, Any]:
    """A ModelProvider configured like `check`'s, and the settings resolver it came from."""
    from linter.models.cache import InventoryCache
    from linter.models.provider import ModelProvider

    cwd = cwd or Path.cwd()
    resolver, settings = settings_for(cwd, offline, trust_remote_code)
    provider = ModelProvider(
        override=override,
        aliases=settings.models,
        offline=settings.offline,
        trust_remote_code=settings.trust_remote_code,
        cwd=cwd,
        cache=InventoryCache(enabled=not no_cache, notes=[]),
        catalog=not no_catalog,
    )
    return provider, resolver


def require_model(outcome: ModelOutcome, ref: str) -> None:
    """Stop with the reason when the model could not be resolved or built."""
    if outcome.inventory is None:
        raise click.ClickException(f"cannot use model {ref!r}: {outcome.message or outcome.reason}")


def number(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def table(rows: list[list[str]], right: set[int] = frozenset(), indent: str = "  ") -> list[str]:
    """Rows as aligned columns (right-aligned where asked), without trailing spaces."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        out.append((indent + "  ".join(cells)).rstrip())
    return out
