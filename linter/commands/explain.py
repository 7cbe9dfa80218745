"""`lora-lint explain FILE`: a grid of layers by modules showing what one LoRA config does to each."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from linter.commands.common import make_provider, model_options, number, table

if TYPE_CHECKING:  # imported when the command runs, so `lora-lint` itself starts fast
    from linter.file_analysis import FileAnalysis
    from linter.grid import Grid, Stack

#: width of the wrapped lines (the grid itself is as wide as the model needs)
WIDTH = 119

#: options worth repeating above the grid (what decides the picture), in this order
_SHOWN_OPTIONS = (
    "r",
    "lora_alpha",
    "target_modules",
    "target_parameters",
    "exclude_modules",
    "layers_to_transform",
    "layers_pattern",
    "modules_to_save",
    "rank_pattern",
    "alpha_pattern",
    "task_type",
)


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, width=WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False)


def _pack(items: list[str], first: str, rest: str) -> list[str]:
    """Items joined by "; ", broken between items only."""
    lines: list[str] = []
    current = first
    for i, item in enumerate(items):
        piece = item + (";" if i < len(items) - 1 else "")
        if current.strip() and len(current) + 1 + len(piece) > WIDTH:
            lines.append(current)
            current = rest + piece
        else:
            current = current + ("" if current.endswith(" ") or not current else " ") + piece
    lines.append(current)
    return lines


def _ranges(indices: list[int]) -> str:
    return str(indices[0]) if len(indices) == 1 else f"{indices[0]}-{indices[-1]}"


def render_stack(stack: Stack) -> list[str]:
    """The grid of one layer stack; consecutive layers that look the same share one row."""
    from linter.grid import group_labels

    labels = group_labels(stack)
    widths = {c.path: max(len(c.label), 1) for c in stack.columns}
    for cells in stack.layers.values():
        for path, cell in cells.items():
            widths[path] = max(widths[path], len(cell.mark))
    groups: list[tuple[str, list[str]]] = []
    for column in stack.columns:
        if groups and groups[-1][0] == column.group:
            groups[-1][1].append(column.path)
        else:
            groups.append((column.group, [column.path]))
    for group, paths in groups:
        span = sum(widths[p] for p in paths) + len(paths) - 1
        label = labels[group]
        if len(label) > span:
            widths[paths[-1]] += len(label) - span
    rows: list[tuple[str, list[str]]] = []
    run: list[int] = []
    previous: list[str] | None = None
    for index in sorted(stack.layers):
        cells = stack.layers[index]
        marks = [cells[c.path].mark if c.path in cells else "" for c in stack.columns]
        if marks == previous:
            run.append(index)
            continue
        if previous is not None:
            rows.append((_ranges(run), previous))
        run, previous = [index], marks
    if previous is not None:
        rows.append((_ranges(run), previous))
    label_width = max([len("layer")] + [len(label) for label, _ in rows])

    def line(first: str, pieces: list[str]) -> str:
        return ("  " + first.rjust(label_width) + "  " + "  ".join(pieces)).rstrip()

    group_line = []
    for group, paths in groups:
        span = sum(widths[p] for p in paths) + len(paths) - 1
        group_line.append(labels[group].ljust(span))
    head_line = [
        " ".join(c.label.center(widths[c.path]) for c in stack.columns if c.group == group) for group, _ in groups
    ]
    out = [f"{stack.name} (layers down, modules across)"]
    if any(labels[group] for group, _ in groups):
        out.append(line("", group_line))
    out.append(line("layer", head_line))
    for label, marks in rows:
        by_path = dict(zip([c.path for c in stack.columns], marks, strict=True))
        pieces = [" ".join(by_path[p].center(widths[p]) for p in paths) for _, paths in groups]
        out.append(line(label, pieces))
    return out


def render_text(result: FileAnalysis, grid: Grid, shown_path: str) -> str:
    from linter.grid import LEGEND, TARGETED

    inv = result.inventory
    spec = result.spec
    options = spec.peft_options()
    lines = [f"{shown_path} ({result.dialect}): LoRA on {inv.model_class} ({inv.model_type})"]
    settings = [f"{key}={_value(options[key])}" for key in _SHOWN_OPTIONS if options.get(key) is not None]
    lines.extend(_wrap(", ".join(settings), "  ", "  "))
    if result.analysis.default_targets_used:
        defaults = _value(result.analysis.effective_target_modules)
        lines.append(f"  target_modules not set: PEFT's defaults for {inv.model_type} apply: {defaults}")
    for stack in grid.stacks:
        lines.append("")
        lines.extend(render_stack(stack))
    if grid.outside:
        lines.append("")
        lines.append("outside the layers")
        lines.extend(table([[row.cell.key, row.cls, row.cell.mark] for row in grid.outside]))
    lines.append("")
    marks = [f"{mark} {meaning}" for state, (mark, meaning) in LEGEND.items() if state != TARGETED]
    lines.extend(_pack([f"a number = {LEGEND[TARGETED][1]}", *marks], "legend: ", "  "))
    lines.append("")
    lines.extend(_totals(grid))
    return "\n".join(lines) + "\n"


def _totals(grid: Grid) -> list[str]:
    totals = grid.totals()
    analysis = grid.analysis
    targeted = f"{totals['targeted_modules']} module{'s' if totals['targeted_modules'] != 1 else ''}"
    if totals["targeted_parameters"]:
        n = totals["targeted_parameters"]
        targeted += f" and {n} parameter{'s' if n != 1 else ''}"
    lines = [f"targeted: {targeted}"]
    if analysis.saved_modules:
        lines.append(f"saved whole: {', '.join(analysis.saved_modules)}")
    if analysis.failures:
        lines.append(f"PEFT would raise: {analysis.failures[0].message}")
        return lines
    if "trainable" in totals:
        approx = "" if totals["exact"] else " (approximate)"
        lines.append(
            f"trainable parameters: {number(totals['trainable'])} = {totals['percent_of_base']:.4g}% of "
            f"{number(totals['base_parameters'])} in the base model{approx}"
        )
    else:
        lines.append("trainable parameters: unknown (a name-only model description; install lora-lint[models])")
    return lines


def _json_options(options: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(options, default=str))


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, readable=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--model", "model", metavar="REF", help="Base model to use instead of the one the file names.")
@model_options
def command(
    file: Path, fmt: str, model: str | None, offline: bool, trust_remote_code: bool, no_cache: bool, no_catalog: bool
) -> None:
    """Show, layer by layer, which modules one LoRA config FILE targets, excludes or saves.

    Any dialect lora-lint reads (adapter_config.json, PEFT YAML, axolotl, LLaMA-Factory, TRL,
    Unsloth, torchtune). Each cell is what PEFT will do to that module, replayed on the base model
    built on the meta device.
    """
    from linter.file_analysis import analyze_file
    from linter.grid import build_grid

    provider, resolver = make_provider(
        offline=offline, trust_remote_code=trust_remote_code, no_cache=no_cache, override=model, no_catalog=no_catalog
    )
    result = analyze_file(file, provider, resolver)
    if result.analysis is None:
        raise click.ClickException(f"cannot explain {file}: {result.problem}")
    grid = build_grid(result.inventory, result.spec.peft_options(), result.analysis, result.size)
    if fmt == "json":
        payload = {
            "path": str(file),
            "dialect": result.dialect,
            "model": result.outcome.describe(),
            "options": _json_options(result.spec.peft_options()),
            **grid.to_json(),
        }
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(render_text(result, grid, str(file)), nl=False)
    for note in provider.notes:
        click.echo(f"note: {note}", err=True)
