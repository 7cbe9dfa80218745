"""`lora-lint models`: the built-in catalogue of popular base models, as text or JSON.

These are the models a config can name and get the full set of target checks with no network
and no token (see `linter.models.catalog`). Needs neither torch nor transformers: the parameter
counts were measured when the catalogue was generated, on the meta device.
"""

from __future__ import annotations

import json

import click

from linter.commands.common import table


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(fmt: str) -> None:
    """List the catalogue: the base models checked offline, with their type, layers and size."""
    from linter.inspection import config_facts
    from linter.models.catalog import catalog

    data = catalog()
    rows = []
    for model_id, facts in data["models"].items():
        config = facts["config"]
        rows.append(
            {
                "id": model_id,
                "model_type": config.get("model_type"),
                "layers": config_facts(config).get("num_hidden_layers"),
                "parameters": facts["parameters"],
                "confidence": facts["confidence"],
                "unknown_fields": facts["unknown_fields"],
                "siblings": facts["siblings"],
                "aliases": facts["aliases"],
            }
        )
    if fmt == "json":
        payload = {"transformers_version": data["transformers_version"], "models": rows}
        click.echo(json.dumps(payload, indent=2))
        return
    lines = [["id", "model_type", "layers", "parameters", "unknown (defaults apply)"]]
    for row in rows:
        lines.append(
            [
                row["id"],
                row["model_type"] or "?",
                str(row["layers"] or "?"),
                f"{row['parameters'] / 1e9:.3f}B",
                ", ".join(row["unknown_fields"]) or "-",
            ]
        )
    click.echo("\n".join(table(lines, right={2, 3}, indent="")))
    click.echo(
        f"\n{len(rows)} models (facts with their sources in linter/data/model_catalog.json; "
        f"sizes built with transformers {data['transformers_version']}). -Instruct / -it / -chat "
        "siblings and legacy ids match too."
    )
