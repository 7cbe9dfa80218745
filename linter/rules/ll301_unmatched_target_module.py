"""LL301 unmatched-target-module."""

from __future__ import annotations

from collections.abc import Iterator

from linter.diagnostics import Finding, Level, Replacement
from linter.names import format_names, suggest_module_names
from linter.rules.base import Context, Rule, register
from linter.rules.helpers import is_all_linear, is_identifier


@register
class UnmatchedTargetModule(Rule):
    """An entry of `target_modules` that matches no module of the model.

    ## What it does
    For each entry of a list `target_modules`, checks that some module of the base model has that
    full name or ends with `.` plus the entry, exactly as PEFT matches. An entry that matches
    nothing is reported on its own line with the model's real names: close spellings first, then
    this architecture's name for the same role (`q_proj` on Llama, `c_attn` on GPT-2,
    `query_key_value` on GPT-NeoX, `qkv_proj` on Phi-3, `q` on T5, `query` on BERT, `Wqkv` on MPT).

    ## Why it matters
    PEFT raises only when *no* entry matches. When one entry matches, the others are dropped
    silently: `["q_proj", "v_prj"]` trains `q_proj` alone, with no warning, for the whole run.
    List entries are never regular expressions: `".*q_proj"` in a list matches nothing.

    ## Example
    ```json
    {"target_modules": ["q_proj", "v_prj"]}
    ```
    Use instead:
    ```json
    {"target_modules": ["q_proj", "v_proj"]}
    ```

    ## Fix safety
    `--fix` corrects an entry only when it is a misspelling with exactly one close real name at the
    same depth (`v_prj` -> `v_proj`), never a name from another architecture (`q_proj` on GPT-2
    has no single replacement), and never into a name the list already holds.
    """

    code = "LL301"
    name = "unmatched-target-module"
    level = Level.ERROR
    summary = "A target_modules entry matches no module; PEFT drops it silently."
    requires_model = True

    def check(self, ctx: Context) -> Iterator[Finding]:
        analysis, inv, spec = ctx.analysis, ctx.inventory, ctx.spec
        entries = analysis.target_entries
        if not entries:
            return
        matched_any = any(e.matches for e in entries)
        for entry in entries:
            if entry.matches or is_all_linear(entry.value):
                continue
            value = entry.value
            consequence = (
                "PEFT drops it silently and trains only the other entries"
                if matched_any
                else "no entry matches, so PEFT raises ValueError"
            )
            message = f"`{value}` matches no module of {ctx.model_name}: {consequence}"
            suggestions, why = suggest_module_names(value, inv)
            hint = None
            if "," in value:
                hint = "list entries are single names: split it into " + format_names(
                    p.strip() for p in value.split(",") if p.strip()
                )
            elif not is_identifier(value):
                hint = (
                    "list entries are names, not regular expressions; PEFT matches a full name or a "
                    "`.`-suffix (make target_modules a string to use a regex)"
                )
            elif suggestions:
                hint = (
                    ("did you mean " if why is None else f"{why}; this model uses ")
                    + format_names(suggestions)
                    + ("?" if why is None else "")
                )
            pointer = spec.pointer("target_modules", entry.index)
            yield Finding(
                message,
                pointer=pointer,
                hint=hint,
                fix_suggestions=tuple(suggestions),
                fix=_typo_fix(value, suggestions, why, entries, spec.dialect),
            )


def _typo_fix(value: str, suggestions: list[str], why: str | None, entries: list, dialect: str) -> Replacement | None:
    """The one close spelling of a plain name, as a safe fix; None when it is not that clear."""
    if why is not None or len(suggestions) != 1 or dialect == "torchtune":
        return None  # a role equivalent from another architecture, or several candidates
    name = suggestions[0]
    if not is_identifier(value) or name.count(".") != value.count(".") or name in (e.value for e in entries):
        return None
    return Replacement(value, name, f"Replace `{value}` with `{name}`")
