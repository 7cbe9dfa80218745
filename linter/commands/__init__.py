"""Subcommands beyond `check`, each in its own module; `register` adds them to the CLI group."""

from __future__ import annotations

import importlib

import click

#: modules that define a click command named like the module (`inspect`, `explain`, `suggest`)
COMMANDS: tuple[str, ...] = ("inspect", "explain", "suggest", "models")


def register(group: click.Group) -> None:
    for name in COMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        group.add_command(module.command, name)
