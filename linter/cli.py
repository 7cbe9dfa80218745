"""The command line: parse options into settings, run the engine, print a report, exit.

`lora-lint [PATHS]...` is `lora-lint check [PATHS]...`; `lora-lint rule CODE` and `lora-lint rules`
document the rules. Exit codes follow ruff: 0 no failing finding, 1 at least one (errors, plus
warnings with `--strict`; never with `--exit-zero`), 2 a usage error or an internal fault (a
traceback on stderr, which is a bug to report). `--fix` exits by the findings that remain;
`--diff` exits 1 when it has a diff to show, else 0.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import traceback
from pathlib import Path
from typing import IO

import click

from linter import __version__
from linter.settings import Overrides, SettingsError, SettingsResolver, check_selectors


class _DefaultToCheck(click.Group):
    """A group whose default command is `check`, so `lora-lint configs/` works."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lora-lint")
def cli() -> None:
    """Lint LoRA / PEFT fine-tuning configs against the real model on the meta device.

    Run `lora-lint [PATHS]...` (the `check` command) to lint files and directories.
    """


def _selectors(values: tuple[str, ...], option: str) -> list[str]:
    try:
        return check_selectors(list(values), option)
    except SettingsError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1], param_hint=option) from exc


def _per_file(values: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for value in values:
        pattern, sep, codes = value.rpartition(":")
        if not sep or not pattern:
            raise click.BadParameter(f"expected PATTERN:CODES, got {value!r}", param_hint="--per-file-ignores")
        out.setdefault(pattern, []).extend(_selectors((codes,), "--per-file-ignores"))
    return out


FORMATS = ("text", "concise", "json", "github", "sarif")


def default_format() -> str:
    """`github` under GitHub Actions (annotations on the pull request), else `text`."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def use_color(choice: str, to_file: bool) -> bool:
    """--color: `always` and `never` win; `auto` colours only a terminal, and never when NO_COLOR is set."""
    if choice == "always":
        return True
    if choice == "never" or to_file:
        return False
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


class Progress:
    """A one-line bar on stderr, drawn only once a model has to be built (a cached run stays silent).

    Only for a terminal: the CLI never creates it when stderr is not a TTY or with --quiet.
    """

    def __init__(self, stream: IO[str]):
        self.stream = stream
        self.active = False
        self.done = self.total = 0
        self.building: str | None = None

    def file(self, done: int, total: int, path: Path) -> None:
        self.done, self.total, self.building = done, total, None
        self._draw()

    def build(self, model: str) -> None:
        self.active, self.building = True, model
        self._draw()

    def _draw(self) -> None:
        if not self.active:
            return
        width = 24
        filled = width * self.done // max(self.total, 1)
        line = f"lora-lint [{'#' * filled}{'-' * (width - filled)}] {self.done}/{self.total} files"
        if self.building:
            line += f", building {self.building} on the meta device"
        columns = shutil.get_terminal_size((80, 24)).columns
        self.stream.write("\r\x1b[K" + line[: max(columns - 1, 10)])
        self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format [default: text; github when GITHUB_ACTIONS=true].",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report (or the --diff) to this file, atomically, instead of stdout.",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the text formats (auto: only on a terminal, and not when NO_COLOR is set).",
)
@click.option("--fix", is_flag=True, help="Apply the safe fixes, then report what remains.")
@click.option("--diff", is_flag=True, help="Print the safe fixes as a unified diff; write nothing (exit 1 if any).")
@click.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Rules to run (codes, prefixes or names, comma-separated); replaces the configured set.",
)
@click.option("--extend-select", multiple=True, metavar="RULES", help="Rules to run in addition.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Rules to skip.")
@click.option(
    "--per-file-ignores",
    multiple=True,
    metavar="PATTERN:RULES",
    help="Rules to skip in files matching a glob, e.g. 'legacy/*.json:LL102'.",
)
@click.option("--exclude", multiple=True, metavar="PATTERN", help="Paths to skip when walking directories.")
@click.option("--force-exclude", is_flag=True, help="Apply --exclude / exclude to files named explicitly too.")
@click.option("--model", "model", metavar="REF", help="Base model for every file: a local directory or a Hub id.")
@click.option("--offline", is_flag=True, help="Never contact the Hub; use local directories and the HF cache.")
@click.option(
    "--no-catalog",
    is_flag=True,
    help="Do not use the built-in catalogue of popular models (their config.json facts, offline).",
)
@click.option(
    "--trust-remote-code",
    is_flag=True,
    help="Allow building models whose config needs their own Python code (runs that code).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="pyproject.toml to read [tool.lora-lint] from (default: the closest one to each file).",
)
@click.option("--isolated", is_flag=True, help="Ignore every pyproject.toml.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the inventory cache (always build models).")
@click.option("--strict", is_flag=True, help="Warnings fail the run too (exit 1).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (2 still means a fault).")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of each one.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary, no notes.")
@click.option(
    "-v", "--verbose", is_flag=True, help="Also say, per file, which base model was used and where it came from."
)
@click.pass_context
def check(ctx: click.Context, paths: tuple[Path, ...], fmt: str | None, **opts: object) -> None:
    """Lint LoRA configs in PATHS (files or directories; default: the current directory)."""
    fmt = fmt or default_format()
    overrides = Overrides(
        select=_selectors(opts["select"], "--select") if opts["select"] else None,
        extend_select=_selectors(opts["extend_select"], "--extend-select"),
        ignore=_selectors(opts["ignore"], "--ignore"),
        per_file_ignores=_per_file(opts["per_file_ignores"]),
        exclude=list(opts["exclude"]),
        offline=bool(opts["offline"]),
        trust_remote_code=bool(opts["trust_remote_code"]),
    )
    try:
        resolver = SettingsResolver(overrides, opts["config_path"], bool(opts["isolated"]))
        run_settings = resolver.for_directory(Path.cwd())
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        code = _run(list(paths) or [Path(".")], resolver, run_settings, fmt, opts)
    except SettingsError as exc:  # a pyproject.toml found beside a linted file
        raise click.UsageError(str(exc)) from exc
    except Exception:  # noqa: BLE001 - an internal fault: exit 2 with the traceback, never exit 1
        click.echo("lora-lint: internal error (please report it):", err=True)
        click.echo(traceback.format_exc(), err=True)
        code = 2
    ctx.exit(code)


#: said when a pyproject.toml asks for trust-remote-code, which only the command line can grant
REPO_TRUST_NOTE = (
    "pyproject.toml sets trust-remote-code, which lora-lint ignores (a repository cannot opt itself in "
    "to running its code); pass --trust-remote-code"
)


def _run(paths: list[Path], resolver: SettingsResolver, run_settings, fmt: str, opts: dict) -> int:
    from linter.engine import Linter
    from linter.models.cache import InventoryCache
    from linter.models.provider import ModelProvider
    from linter.report import render
    from linter.result_cache import ResultCache

    use_cache = not opts["no_cache"]
    quiet = bool(opts["quiet"])
    notes: list[str] = []
    if run_settings.repo_trust_remote_code and not run_settings.trust_remote_code:
        notes.append(REPO_TRUST_NOTE)
    provider = ModelProvider(
        override=opts["model"],
        aliases=run_settings.models,
        offline=run_settings.offline,
        trust_remote_code=run_settings.trust_remote_code,
        cache=InventoryCache(enabled=use_cache, notes=notes),
        catalog=not opts["no_catalog"],
    )
    results = ResultCache(enabled=use_cache, notes=notes)
    linter = Linter(provider, settings=resolver, force_exclude=bool(opts["force_exclude"]), results=results)
    progress = Progress(sys.stderr) if sys.stderr.isatty() and not quiet else None
    if progress is not None:
        provider.on_build = progress.build
    try:
        result = linter.run(paths, progress=progress.file if progress is not None else None)
    finally:
        if progress is not None:
            progress.close()
    human = fmt in ("text", "concise", "github")
    fixed = None
    if opts["fix"] or opts["diff"]:
        from linter.fix import Fixer

        report = Fixer(linter, paths, write=not opts["diff"]).run(result)
        result.notes.extend(report.notes)
        if opts["diff"]:
            return _show_diff(report, opts["output_file"], quiet=quiet, exit_zero=bool(opts["exit_zero"]))
        fixed = (report.fixed, len(report.changed))
    color = use_color(str(opts["color"]), opts["output_file"] is not None) and fmt in ("text", "concise")
    output = render(
        result,
        fmt,
        quiet=quiet,
        statistics=bool(opts["statistics"]),
        color=color,
        fixed=fixed,
        cwd=Path.cwd(),
        verbose=bool(opts["verbose"]),
    )
    _emit(output, opts["output_file"], color=color)
    if not quiet and human:
        for note in result.notes:
            click.echo(f"note: {note}", err=True)
    return result.exit_code(strict=bool(opts["strict"]), exit_zero=bool(opts["exit_zero"]))


def _show_diff(report, output_file: Path | None, *, quiet: bool, exit_zero: bool) -> int:
    """--diff: the unified diff of every file --fix would change; exit 1 when there is one (as ruff)."""
    _emit("".join(f.diff() for f in report.changed), output_file, color=False)
    if not quiet:
        would, files = report.fixed, len(report.changed)
        plural = "" if would == 1 else "s"
        summary = f"Would fix {would} finding{plural} in {files} file{'' if files == 1 else 's'}."
        click.echo(summary if would else "No fixes available.", err=True)
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
    return 0 if exit_zero or not report.changed else 1


def _emit(output: str, output_file: Path | None, *, color: bool) -> None:
    """Print the report, or write it to --output-file atomically (creating its directory)."""
    if output_file is None:
        click.echo(output, nl=False, color=color)
        return
    from linter.fix import write_atomic

    output_file.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(output_file.stat().st_mode) if output_file.exists() else None
    write_atomic(output_file, output.encode("utf-8"), mode)


def _find_rule(code: str):
    from linter.rules import all_rules

    rules = all_rules()
    for rule in rules.values():
        if code.upper() == rule.code or code == rule.name:
            return rule
    raise click.BadParameter(f"no rule {code!r}; `lora-lint rules` lists them", param_hint="CODE")


@cli.command()
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rule(code: str, fmt: str) -> None:
    """Print the documentation of one rule (by code or name)."""
    from linter.docs import rule_json, rule_markdown

    found = _find_rule(code)
    if fmt == "json":
        click.echo(json.dumps(rule_json(found), indent=2))
    else:
        click.echo(rule_markdown(found))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(fmt: str) -> None:
    """List every rule: code, name, level, and what it catches."""
    from linter.docs import rule_json, rules_table
    from linter.rules import all_rules

    if fmt == "json":
        click.echo(json.dumps([rule_json(r) for r in all_rules().values()], indent=2))
    else:
        click.echo(rules_table())


@cli.group()
def cache() -> None:
    """The inventory cache: model descriptions kept so later runs need no torch import."""


@cache.command("info")
def cache_info() -> None:
    """Where the cache is and how much it holds."""
    from linter.models.cache import InventoryCache
    from linter.result_cache import ResultCache

    inventories, results = InventoryCache().info(), ResultCache().info()
    click.echo(f"path: {inventories.path.parent}")
    click.echo(f"inventories: {inventories.entries} ({inventories.bytes:,} bytes)")
    click.echo(f"results: {results.entries} ({results.bytes:,} bytes)")


@cache.command("clear")
def cache_clear() -> None:
    """Remove every cached inventory."""
    from linter.models.cache import InventoryCache
    from linter.result_cache import ResultCache

    inventories, results = InventoryCache().clear(), ResultCache().clear()
    click.echo(f"removed {inventories} inventor{'y' if inventories == 1 else 'ies'} and {results} result(s)")


def _register_commands() -> None:
    from linter.commands import register

    register(cli)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="lora-lint")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
