"""The default human format: `path:line:col: CODE message`, then an indented hint, then a summary."""

from __future__ import annotations

from linter.diagnostics import Level
from linter.engine import RunResult


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(result: RunResult, *, quiet: bool = False, statistics: bool = False, **_: object) -> str:
    lines: list[str] = []
    if statistics:
        for count, code, name, level in result.statistics():
            lines.append(f"{count:5}  {code}  {level.value:7}  {name}")
    else:
        for d in result.diagnostics:
            lines.append(f"{d.path}:{d.span.line}:{d.span.column}: {d.code} {d.message}")
            if d.hint:
                lines.append(f"    hint: {d.hint}")
    sized = [f for f in result.files if f.adapter_size] if not (quiet or statistics) else []
    if sized:
        lines.append("Adapter sizes:")
        width = max(len(f.path) for f in sized)
        for f in sized:
            size = f.adapter_size
            approx = "" if size["exact"] else " (approximate)"
            lines.append(
                f"  {f.path:{width}}  {size['trainable']:>13,} trainable = "
                f"{size['percent_of_base']:.4g}% of {size['base_parameters']:,}{approx}"
            )
    if not quiet:
        errors, warnings, infos = (result.count(level) for level in (Level.ERROR, Level.WARNING, Level.INFO))
        checked = _plural(len(result.files), "LoRA config")
        if errors or warnings or infos:
            parts = [_plural(errors, "error"), _plural(warnings, "warning")]
            if infos:
                parts.append(_plural(infos, "info"))
            lines.append(f"Found {', '.join(parts)} in {checked}.")
        else:
            lines.append(f"All checks passed ({checked}).")
    return "\n".join(lines) + ("\n" if lines else "")
