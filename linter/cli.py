"""The command line: parse options into settings, run the engine, print a report, exit.

`lora-lint [PATHS]...` is `lora-lint check [PATHS]...`; subcommands join as later features land.
Exit codes follow ruff: 0 no error-level finding, 1 at least one, 2 a usage error or an internal
fault (a traceback on stderr, which is a bug to report).
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from linter import __version__
from linter.settings import SettingsError, load_settings


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


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--model", "model", metavar="REF", help="Base model for every file: a local directory or a Hub id."
)
@click.option(
    "--offline", is_flag=True, help="Never contact the Hub; use local directories and the HF cache."
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
    help="pyproject.toml to read [tool.lora-lint] from (default: the closest one).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary, no notes.")
@click.pass_context
def check(
    ctx: click.Context,
    paths: tuple[Path, ...],
    fmt: str,
    model: str | None,
    offline: bool,
    trust_remote_code: bool,
    config_path: Path | None,
    quiet: bool,
) -> None:
    """Lint LoRA configs in PATHS (files or directories; default: the current directory)."""
    try:
        settings = load_settings(Path.cwd(), config_path)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        code = _run(list(paths) or [Path(".")], settings, fmt, model, offline, trust_remote_code, quiet)
    except Exception:  # noqa: BLE001 - an internal fault: exit 2 with the traceback, never exit 1
        click.echo("lora-lint: internal error (please report it):", err=True)
        click.echo(traceback.format_exc(), err=True)
        code = 2
    ctx.exit(code)


def _run(paths, settings, fmt, model, offline, trust_remote_code, quiet) -> int:
    from linter.engine import Linter
    from linter.models.provider import ModelProvider
    from linter.report import render

    provider = ModelProvider(
        override=model,
        aliases=settings.models,
        offline=offline or settings.offline,
        trust_remote_code=trust_remote_code or settings.trust_remote_code,
    )
    result = Linter(provider).run(paths)
    click.echo(render(result, fmt, quiet=quiet), nl=False)
    if not quiet and fmt == "text":
        for note in result.notes:
            click.echo(f"note: {note}", err=True)
    return result.exit_code()


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="lora-lint")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
