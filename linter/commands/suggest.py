"""`lora-lint suggest MODEL --preset P`: write a LoRA config with this architecture's real names."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from linter.commands.common import TASK_TYPES, make_provider, model_options

#: `linter.presets.PRESETS` and `linter.suggest.DIALECTS` (tests keep them equal), spelled out so
#: that building the CLI does not import the model machinery
PRESET_CHOICES = ("attention-qv", "attention", "attention-ffn", "all-linear")
DIALECT_CHOICES = ("peft", "axolotl", "llamafactory", "trl")


def lint_findings(path: Path, provider, resolver) -> list[str]:
    """Errors and warnings `lora-lint` reports for `path` (the self-check of what was written)."""
    from linter.diagnostics import Level
    from linter.discover import Candidate
    from linter.engine import Linter

    result = Linter(provider, settings=resolver).lint(Candidate(path, True))
    if result is None:
        return ["lora-lint does not recognise the written file as a LoRA config"]
    return [f"{d.code} {d.message}" for d in result.diagnostics if d.level in (Level.ERROR, Level.WARNING)]


def _self_check(text: str, output: Path | None, fmt: str, provider, resolver) -> list[str]:
    if output is not None:
        return lint_findings(output, provider, resolver)
    # stdout: lint a copy with the working directory's settings (model aliases included)
    from linter.settings import SettingsResolver

    fixed = SettingsResolver(resolver.cli)
    fixed.fixed = resolver.for_directory(Path.cwd())
    with tempfile.TemporaryDirectory(prefix="lora-lint-suggest-") as folder:
        copy = Path(folder) / f"suggested.{fmt}"
        copy.write_text(text, encoding="utf-8")
        return lint_findings(copy, provider, fixed)


@click.command()
@click.argument("model")
@click.option(
    "--preset",
    type=click.Choice(PRESET_CHOICES),
    default="attention-qv",
    show_default=True,
    help="attention-qv: Q and V; attention: Q, K, V, O; attention-ffn: and the FFN; all-linear: every linear layer.",
)
@click.option("--r", "r", type=click.IntRange(min=1), default=8, show_default=True, help="LoRA rank.")
@click.option(
    "--ffn-r", type=click.IntRange(min=1), default=4, show_default=True, help="Rank of the FFN (rank_pattern)."
)
@click.option("--alpha", type=click.FloatRange(min=0, min_open=True), help="lora_alpha (default: 2 x r).")
@click.option("--dropout", type=click.FloatRange(0, 1), help="lora_dropout (default: 0.05).")
@click.option("--task-type", type=click.Choice(TASK_TYPES), help="Default: what the model's architectures imply.")
@click.option(
    "--dialect", type=click.Choice(DIALECT_CHOICES), default="peft", show_default=True, help="Whose keys to write."
)
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@click.option("--revision", help="Revision (branch, tag or commit) of a Hub model.")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of to stdout."
)
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
@model_options
def command(
    model: str,
    output: Path | None,
    force: bool,
    offline: bool,
    trust_remote_code: bool,
    no_cache: bool,
    no_catalog: bool,
    **options: object,
) -> None:
    """Write a LoRA config for MODEL using its own module names, and check it with lora-lint.

    MODEL is a local directory, a Hugging Face cache entry or a Hub id. The FFN trains at --ffn-r
    through rank_pattern (PEFT only); a classification task type saves the model's real head in
    modules_to_save. The trainable parameter count is written in a comment (YAML).
    """
    from linter.presets import PresetError
    from linter.suggest import Request, SuggestError, suggest

    if output is not None and output.exists() and not force:
        raise click.UsageError(f"{output} exists; pass --force to overwrite it")
    provider, resolver = make_provider(
        offline=offline, trust_remote_code=trust_remote_code, no_cache=no_cache, no_catalog=no_catalog
    )
    request = Request(model=model, **options)  # type: ignore[arg-type]
    try:
        result = suggest(request, provider)
    except (SuggestError, PresetError) as exc:
        raise click.ClickException(str(exc)) from exc
    if output is None:
        click.echo(result.text, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(f".{output.name}.{os.getpid()}.tmp")
        partial.write_text(result.text, encoding="utf-8")
        os.replace(partial, output)
        click.echo(f"wrote {output}", err=True)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    findings = _self_check(result.text, output, request.fmt, provider, resolver)
    for finding in findings:
        click.echo(f"lora-lint: {finding}", err=True)
    if findings:
        raise click.exceptions.Exit(1)
