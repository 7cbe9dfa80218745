"""Settings from `[tool.lora-lint]` in pyproject.toml and the command line, validated up front.

Like ruff, lora-lint uses, for each linted file, the closest pyproject.toml above it that has a
`[tool.lora-lint]` table (`--config` names one for every file, `--isolated` uses none). Command-line
options override the file: `--select` replaces `select`, while `--extend-select`, `--ignore`,
`--per-file-ignores` and `--exclude` add to it. Every setting is checked before a file is read: an
unknown setting or rule selector is a usage error (exit 2) naming the closest valid one, so a typo
never silently turns a check off.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from linter.names import close_names

#: settings that are not rule options
CORE_SETTINGS = (
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "exclude",
    "models",
    "offline",
    "trust-remote-code",
)


class SettingsError(Exception):
    """A configuration problem: reported as a usage error, exit 2."""


@dataclass
class Settings:
    """The effective settings for one file."""

    #: the pyproject.toml they came from (None: defaults and command line only)
    path: Path | None = None
    #: directory that relative patterns and model paths start from
    root: Path = field(default_factory=Path.cwd)
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    #: model reference -> (replacement reference or path, directory relative paths start from)
    models: dict[str, tuple[str, Path]] = field(default_factory=dict)
    offline: bool = False
    #: only ever from the command line: a repository cannot opt itself in to running code
    trust_remote_code: bool = False
    #: `trust-remote-code = true` in the pyproject.toml, which is ignored (and said so in a note):
    #: in CI on a pull request, that file is written by whoever sent the pull request
    repo_trust_remote_code: bool = False
    #: rule options by setting name (kebab-case), validated against the rules' declarations
    rule_options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Overrides:
    """What the command line says; None / empty means "not given"."""

    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    offline: bool = False
    trust_remote_code: bool = False


def _rule_options() -> dict[str, Any]:
    from linter.rules import all_rules

    return {opt.name: opt for rule in all_rules().values() for opt in rule.options}


def known_selectors() -> list[str]:
    from linter.rules import all_rules

    rules = all_rules()
    prefixes = {code[:i] for code in rules for i in range(2, len(code) + 1)}
    return ["ALL", *sorted(prefixes), *sorted(rule.name for rule in rules.values())]


def check_selectors(values: list[str], where: str) -> list[str]:
    """Normalise and validate rule selectors (codes, code prefixes, rule names, or ALL)."""
    if not values:
        return []
    known = known_selectors()
    out = []
    for value in values:
        for item in str(value).split(","):
            item = item.strip()
            if not item:
                continue
            selector = item.upper() if item.upper().startswith("LL") or item.upper() == "ALL" else item
            if selector not in known:
                close = close_names(item, known, n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else ""
                raise SettingsError(f"{where}: unknown rule selector `{item}`{hint}")
            out.append(selector)
    return out


def _string_list(table: dict[str, Any], key: str, where: Path) -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{where}: [tool.lora-lint] {key} must be a list of strings")
    return value


def _bool(table: dict[str, Any], key: str, where: Path) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise SettingsError(f"{where}: [tool.lora-lint] {key} must be true or false")
    return value


def _read_table(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from exc
    table = data.get("tool", {}).get("lora-lint")
    if table is not None and not isinstance(table, dict):
        raise SettingsError(f"{path}: [tool.lora-lint] must be a table")
    return table


def parse_table(table: dict[str, Any], path: Path) -> Settings:
    """Validate one `[tool.lora-lint]` table into Settings."""
    options = _rule_options()
    for key in table:
        if key not in CORE_SETTINGS and key not in options:
            close = close_names(key, [*CORE_SETTINGS, *options], n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise SettingsError(f"{path}: unknown setting `{key}` in [tool.lora-lint]{hint}")
    root = path.resolve().parent
    select = check_selectors(_string_list(table, "select", path), str(path)) if "select" in table else None
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise SettingsError(f"{path}: [tool.lora-lint] per-file-ignores must map patterns to lists of rules")
    models = table.get("models", {})
    if not isinstance(models, dict) or not all(isinstance(v, str) for v in models.values()):
        raise SettingsError(f"{path}: [tool.lora-lint.models] must map model names to strings")
    rule_options = {}
    for name, option in options.items():
        if name in table:
            value = table[name]
            if isinstance(value, bool) and bool not in option.types or not isinstance(value, option.types):
                kinds = " or ".join(t.__name__ for t in option.types)
                raise SettingsError(f"{path}: [tool.lora-lint] {name} must be {kinds}")
            rule_options[name] = value
    return Settings(
        path=path,
        root=root,
        select=select,
        extend_select=check_selectors(_string_list(table, "extend-select", path), str(path)),
        ignore=check_selectors(_string_list(table, "ignore", path), str(path)),
        per_file_ignores={
            str(pattern): check_selectors(_string_list(per_file, pattern, path), str(path)) for pattern in per_file
        },
        exclude=_string_list(table, "exclude", path),
        models={ref: (target, root) for ref, target in models.items()},
        offline=_bool(table, "offline", path),
        repo_trust_remote_code=_bool(table, "trust-remote-code", path),
        rule_options=rule_options,
    )


def apply_overrides(settings: Settings, cli: Overrides) -> Settings:
    per_file = {k: list(v) for k, v in settings.per_file_ignores.items()}
    for pattern, codes in cli.per_file_ignores.items():
        per_file.setdefault(pattern, []).extend(codes)
    return replace(
        settings,
        select=cli.select if cli.select is not None else settings.select,
        extend_select=[*settings.extend_select, *cli.extend_select],
        ignore=[*settings.ignore, *cli.ignore],
        per_file_ignores=per_file,
        exclude=[*settings.exclude, *cli.exclude],
        offline=settings.offline or cli.offline,
        trust_remote_code=cli.trust_remote_code,
    )


def _is_file(path: Path) -> bool:
    """`Path.is_file`, False for a directory that cannot be searched (Python 3.11 raises there)."""
    try:
        return path.is_file()
    except OSError:
        return False


class SettingsResolver:
    """Settings per file: the closest `[tool.lora-lint]` above it, with the command line on top."""

    def __init__(self, cli: Overrides | None = None, config: Path | None = None, isolated: bool = False):
        self.cli = cli or Overrides()
        self.isolated = isolated
        self._by_file: dict[Path, Settings] = {}
        self._by_dir: dict[Path, Path | None] = {}
        self._effective: dict[Path | None, Settings] = {}
        self.fixed: Settings | None = None
        if isolated:
            self.fixed = apply_overrides(Settings(), self.cli)
        elif config is not None:
            self.fixed = apply_overrides(self._load(Path(config), required=True), self.cli)

    def _load(self, path: Path, required: bool = False) -> Settings:
        path = path.resolve()
        if path not in self._by_file:
            table = _read_table(path)
            if table is None:
                if required:
                    raise SettingsError(f"{path} has no [tool.lora-lint] table")
                table = {}
            self._by_file[path] = parse_table(table, path)
        return self._by_file[path]

    def _closest(self, directory: Path) -> Path | None:
        directory = Path(os.path.abspath(directory))
        if directory not in self._by_dir:
            found = None
            candidate = directory / "pyproject.toml"
            if _is_file(candidate):
                try:
                    if _read_table(candidate) is not None:
                        found = candidate
                except SettingsError:
                    found = candidate  # reported when loaded
            if found is None and directory.parent != directory:
                found = self._closest(directory.parent)
            self._by_dir[directory] = found
        return self._by_dir[directory]

    def for_directory(self, directory: Path) -> Settings:
        if self.fixed is not None:
            return self.fixed
        found = self._closest(directory)
        if found not in self._effective:
            base = self._load(found) if found is not None else Settings(root=Path.cwd())
            self._effective[found] = apply_overrides(base, self.cli)
        return self._effective[found]

    def for_file(self, path: Path) -> Settings:
        return self.for_directory(Path(os.path.abspath(path)).parent)


def load_settings(start: Path, explicit: Path | None = None) -> Settings:
    """The settings that apply to files in `start` (the closest `[tool.lora-lint]`, or `explicit`)."""
    return SettingsResolver(config=explicit).for_directory(start)
