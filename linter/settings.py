"""Settings from `[tool.lora-lint]` in pyproject.toml, validated before any file is read.

Like ruff, lora-lint uses the closest pyproject.toml (from the working directory upward) that has a
`[tool.lora-lint]` table. An unknown setting is a usage error (exit 2) naming the closest valid one,
so a typo in the configuration never silently turns a check off.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from linter.names import close_names

KNOWN_SETTINGS = ("models", "offline", "trust-remote-code")


class SettingsError(Exception):
    """A configuration problem: reported as a usage error, exit 2."""


@dataclass
class Settings:
    #: where the settings came from (None: defaults)
    path: Path | None = None
    #: model reference -> (replacement reference or path, directory relative paths start from)
    models: dict[str, tuple[str, Path]] = field(default_factory=dict)
    offline: bool = False
    trust_remote_code: bool = False


def find_pyproject(start: Path) -> Path | None:
    """The closest pyproject.toml at or above `start` that has a [tool.lora-lint] table."""
    start = start.resolve()
    for directory in [start, *start.parents]:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if "lora-lint" in data.get("tool", {}):
                return candidate
    return None


def _bool(table: dict[str, Any], key: str, where: Path) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise SettingsError(f"{where}: [tool.lora-lint] {key} must be true or false")
    return value


def load_settings(start: Path, explicit: Path | None = None) -> Settings:
    path = explicit or find_pyproject(start)
    if path is None:
        return Settings()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from exc
    table = data.get("tool", {}).get("lora-lint", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [tool.lora-lint] must be a table")
    for key in table:
        if key not in KNOWN_SETTINGS:
            close = close_names(key, KNOWN_SETTINGS, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise SettingsError(f"{path}: unknown setting `{key}` in [tool.lora-lint]{hint}")
    models = table.get("models", {})
    if not isinstance(models, dict) or not all(isinstance(v, str) for v in models.values()):
        raise SettingsError(f"{path}: [tool.lora-lint.models] must map model names to strings")
    base = Path(path).resolve().parent
    return Settings(
        path=Path(path),
        models={ref: (target, base) for ref, target in models.items()},
        offline=_bool(table, "offline", Path(path)),
        trust_remote_code=_bool(table, "trust-remote-code", Path(path)),
    )
