"""The default human format: `path:line:col: CODE message`, then an indented hint, then a summary.

A finding with a safe fix is marked `[*]` (as in ruff) and the summary says how many `--fix` would
fix. With colour on, the path is bold and the code coloured by level.
"""

from __future__ import annotations

import click

from linter.diagnostics import Diagnostic, Level
from linter.engine import RunResult

FIX_MARK = "[*]"
LEVEL_COLORS = {Level.ERROR: "red", Level.WARNING: "yellow", Level.INFO: "cyan"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def finding_line(d: Diagnostic, color: bool = False) -> str:
    """`path:line:col: CODE [*] message` (the shared first line of the text and concise formats)."""
    path, code = d.path, d.code
    if color:
        path = click.style(path, bold=True)
        code = click.style(code, fg=LEVEL_COLORS[d.level], bold=True)
    mark = f" {click.style(FIX_MARK, fg='cyan') if color else FIX_MARK}" if d.fixable else ""
    return f"{path}:{d.span.line}:{d.span.column}: {code}{mark} {d.message}"


def summary(
    result: RunResult, *, fixed: tuple[int, int] | None = None, fixable_line: bool = True, color: bool = False
) -> list[str]:
    """`Fixed ...` (after --fix), `Found ...` or `All checks passed`, and how many --fix would fix."""
    lines = []
    if fixed is not None and fixed[0]:
        lines.append(f"Fixed {_plural(fixed[0], 'finding')} in {_plural(fixed[1], 'file')}.")
    errors, warnings, infos = (result.count(level) for level in (Level.ERROR, Level.WARNING, Level.INFO))
    checked = _plural(len(result.files), "LoRA config")
    if errors or warnings or infos:
        parts = [_plural(errors, "error"), _plural(warnings, "warning")]
        if infos:
            parts.append(_plural(infos, "info"))
        lines.append(f"Found {', '.join(parts)} in {checked}.")
    else:
        lines.append(f"All checks passed ({checked}).")
    fixable = sum(1 for d in result.diagnostics if d.fixable)
    if fixable and fixable_line:
        mark = click.style(FIX_MARK, fg="cyan") if color else FIX_MARK
        lines.append(f"{mark} {fixable} fixable with the `--fix` option.")
    return lines


def _model_origin(model: dict) -> str:
    """Where a file's base model came from, in words (for --verbose)."""
    ref = model.get("ref") or "(none)"
    if "unavailable" in model:
        return f"{ref}: not used ({model['unavailable']})"
    origin = model.get("origin")
    if origin == "catalog":
        entry = model["catalog"]
        notes = [] if entry["matched_by"] == "id" else [f"as {entry['matched_by']} of {entry['id']}"]
        if entry["unknown_fields"]:
            notes.append(f"not known offline: {', '.join(entry['unknown_fields'])}")
        where = "the built-in catalogue" + (f" ({'; '.join(notes)})" if notes else "")
    elif origin == "hub":
        where = "the Hub (config.json only)"
    elif origin == "cache":
        where = "the Hugging Face cache"
    else:
        where = model.get("config_path") or origin or "?"
    return f"{ref} -> {model.get('model_class', '?')}, from {where}"


def model_lines(result: RunResult) -> list[str]:
    """--verbose: the base model of every file and where its config.json came from."""
    described = [f for f in result.files if f.model]
    if not described:
        return []
    width = max(len(f.path) for f in described)
    return ["Models:", *(f"  {f.path:{width}}  {_model_origin(f.model)}" for f in described)]


def render(
    result: RunResult,
    *,
    quiet: bool = False,
    statistics: bool = False,
    color: bool = False,
    fixed: tuple[int, int] | None = None,
    verbose: bool = False,
    **_: object,
) -> str:
    lines: list[str] = []
    if statistics:
        for count, code, name, level in result.statistics():
            lines.append(f"{count:5}  {code}  {level.value:7}  {name}")
    else:
        for d in result.diagnostics:
            lines.append(finding_line(d, color))
            if d.hint:
                lines.append(f"    {click.style('hint:', fg='cyan') if color else 'hint:'} {d.hint}")
    if verbose and not (quiet or statistics):
        lines.extend(model_lines(result))
    sized = [f for f in result.files if f.adapter_size] if not (quiet or statistics) else []
    if sized:
        lines.append("Adapter sizes:")
        width = max(len(f.path) for f in sized)
        for f in sized:
            size = f.adapter_size
            approx = "" if size["exact"] else " (approximate)"
            if size.get("estimate"):
                approx += f" (estimate: {', '.join(size['unknown_fields'])} not known offline)"
            lines.append(
                f"  {f.path:{width}}  {size['trainable']:>13,} trainable = "
                f"{size['percent_of_base']:.4g}% of {size['base_parameters']:,}{approx}"
            )
    if not quiet:
        # --statistics stays one row per rule and the count line, as scripts read it
        lines.extend(summary(result, fixed=fixed, fixable_line=not statistics, color=color))
    return "\n".join(lines) + ("\n" if lines else "")
