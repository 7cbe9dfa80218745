"""`lora-lint inspect MODEL`: a model's size, its LoRA targets by role with their cost, PEFT's defaults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from linter.commands.common import TASK_TYPES, make_provider, model_options, number, require_model, table

if TYPE_CHECKING:  # imported when the command runs, so `lora-lint` itself starts fast
    from linter.inspection import Inspection, Row

_FACTS = (
    ("hidden_size", "hidden size"),
    ("intermediate_size", "intermediate size"),
    ("num_hidden_layers", "layers"),
    ("num_attention_heads", "attention heads"),
    ("num_key_value_heads", "KV heads"),
    ("head_dim", "head dim"),
    ("vocab_size", "vocab"),
    ("num_experts", "experts"),
)


def _shape(row: Row) -> str:
    if row.shape is None:
        return "?"
    if row.lora == "parameter":
        return "x".join(str(d) for d in row.shape)
    return f"{row.shape[0]} -> {row.shape[1]}"


def _where(row: Row) -> str:
    templates = row.templates
    return templates[0] + (f" (+{len(templates) - 1} more)" if len(templates) > 1 else "")


def render_text(result: Inspection, ref: str) -> str:
    from linter.anatomy import ROLES, SECTIONS

    inv = result.inventory
    lines = [f"{inv.model_class} (model_type {inv.model_type}, transformers {inv.transformers_version}) from {ref}"]
    facts = []
    for key, label in _FACTS:
        value = result.facts.get(key)
        if value is None and key == "num_experts":
            continue
        facts.append(f"{label} {'?' if value is None else value}{'*' if key in result.derived else ''}")
    lines.append("  " + ", ".join(facts))
    if result.derived:
        lines.append("  (* from the layer shapes: config.json does not state it)")
    if inv.shapes:
        lines.append(f"  {inv.total_parameters:,} parameters")
    else:
        lines.append("  shapes unknown: a name-only description (install lora-lint[models] for sizes)")
    lines.append("")
    lines.append("Modules LoRA can wrap, by role")
    lines.append(f"  cost: the trainable parameters of a config that targets only that row, at r={result.rank}")
    lines.append(
        "  entry: the target_modules (target_parameters) entry that selects exactly that row ('-': none does)"
    )
    header = ["role", "name", "count", "shape (in -> out)", "class", "LoRA", f"cost r={result.rank}", "entry", "where"]
    for section, title in SECTIONS.items():
        rows = [row for row in result.rows if row.section == section]
        if not rows:
            continue
        lines.append("")
        lines.append(title)
        cells = [header]
        for row in rows:
            cells.append(
                [
                    ROLES[row.role],
                    row.leaf,
                    str(len(row.places)),
                    _shape(row),
                    row.cls,
                    "yes" if row.lora == "module" else "params",
                    number(row.cost),
                    row.entry or "-",
                    _where(row),
                ]
            )
        lines.extend(table(cells, right={2, 6}))
    if result.not_wrappable:
        lines.append("")
        lines.append("LoRA cannot wrap (PEFT raises if target_modules names them):")
        for kind, leaves in result.not_wrappable.items():
            shown = ", ".join(leaves[:8]) + (f" and {len(leaves) - 8} more" if len(leaves) > 8 else "")
            lines.append(f"  {kind}: {shown}")
    lines.append("")
    lines.extend(_defaults(result))
    return "\n".join(lines) + "\n"


def _defaults(result: Inspection) -> list[str]:
    d = result.defaults
    if d.value is None:
        return [
            f"PEFT has no default target_modules for model_type {d.model_type}: a config must name its targets.",
        ]
    if isinstance(d.value, str):
        what = f"the regex `{d.value}`"
    else:
        parts = [
            f"{entry} ({n} module{'s' if n != 1 else ''})" if n else f"{entry} (missing)"
            for entry, n in d.matches.items()
        ]
        what = ", ".join(parts)
    lines = [f"PEFT's default target_modules for {d.model_type} (used when target_modules is omitted): {what}"]
    if d.error:
        lines.append(f"  PEFT would raise on this model: {d.error}")
    else:
        missing = [entry for entry, n in d.matches.items() if n == 0]
        status = "all exist in this model" if not missing else f"{', '.join(missing)} not in this model"
        lines.append(
            f"  {status}: {len(d.targeted)} modules targeted, {number(d.cost)} LoRA parameters at r={result.rank}"
        )
    return lines


@click.command()
@click.argument("model")
@click.option("--task-type", type=click.Choice(TASK_TYPES), help="Build the model class this task type implies.")
@click.option("--r", "rank", type=click.IntRange(min=1), default=8, show_default=True, help="Rank for the costs.")
@click.option("--revision", help="Revision (branch, tag or commit) of a Hub model.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@model_options
def command(
    model: str,
    task_type: str | None,
    rank: int,
    revision: str | None,
    fmt: str,
    offline: bool,
    trust_remote_code: bool,
    no_cache: bool,
    no_catalog: bool,
) -> None:
    """Show MODEL's LoRA targets by role, what each costs, and PEFT's defaults.

    MODEL is a local directory with a config.json, a Hugging Face cache entry or a Hub id (only
    config.json is downloaded). The model is built on the meta device: no weights, no memory.
    """
    from linter.inspection import inspect_model

    provider, _ = make_provider(
        offline=offline, trust_remote_code=trust_remote_code, no_cache=no_cache, no_catalog=no_catalog
    )
    outcome = provider.model_for(model, revision, task_type, Path.cwd())
    require_model(outcome, model)
    result = inspect_model(outcome.inventory, rank, outcome.source.config if outcome.source else None)
    if fmt == "json":
        payload = {"model": outcome.describe(), **result.to_json()}
        if outcome.task_type_problem:
            payload["task_type_problem"] = outcome.task_type_problem
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(render_text(result, model), nl=False)
    if outcome.task_type_problem:
        click.echo(f"note: {outcome.task_type_problem}; showing {outcome.inventory.model_class}", err=True)
    catalog = outcome.source.catalog if outcome.source is not None else None
    if catalog is not None:
        unknown = catalog.unknown_fields
        said = f"{model} comes from the built-in catalogue ({catalog.id})"
        if unknown:
            said += f"; {', '.join(unknown)} not known offline: transformers' defaults apply, so sizes are estimates"
        click.echo(f"note: {said}", err=True)
    for note in provider.notes:
        click.echo(f"note: {note}", err=True)
