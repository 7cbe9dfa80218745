"""Small helpers shared by the rules: reading the spec's target lists and naming modules."""

from __future__ import annotations

import re
from typing import Any

from linter import peft_facts as pf
from linter.diagnostics import Pointer
from linter.rules.base import Context
from linter.targets import PeftFailure

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")


def is_identifier(text: str) -> bool:
    """A plain (dotted) module name, with no regex syntax in it."""
    return bool(_IDENTIFIER.match(text))


def comma_parts(text: str) -> list[str] | None:
    """The names of a comma-joined string such as "q_proj,v_proj", else None."""
    if "," not in text:
        return None
    parts = [p.strip() for p in text.split(",")]
    parts = [p for p in parts if p]
    return parts if parts and all(is_identifier(p) for p in parts) else None


def is_all_linear(value: Any) -> bool:
    return isinstance(value, str) and value.lower() == pf.ALL_LINEAR


def failure_pointer(ctx: Context, failure: PeftFailure) -> Pointer:
    """Where a PEFT failure points in the user's file."""
    spec = ctx.spec
    if spec is None or failure.option is None or not spec.has(failure.option):
        return spec.root if spec is not None else ()
    value = spec.get(failure.option)
    entry = failure.entry
    if isinstance(entry, int) and isinstance(value, list):
        return spec.pointer(failure.option, entry)
    if isinstance(entry, str) and isinstance(value, list) and entry in value:
        return spec.pointer(failure.option, value.index(entry))
    if isinstance(entry, str) and isinstance(value, dict) and entry in value:
        return spec.pointer(failure.option) + (entry,)
    return spec.pointer(failure.option)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def example(names: list[str]) -> str:
    """One example name, and how many there are."""
    if not names:
        return ""
    more = f" and {len(names) - 1} more" if len(names) > 1 else ""
    return f"`{names[0]}`{more}"


def schema_problems(ctx: Context, kind: str) -> list:
    """The schema problems of one kind for this file, validating once per file."""
    from linter.schema import validate

    cache = ctx.memo.setdefault("_schema", {})
    if "all" not in cache:
        spec = ctx.spec
        data = ctx.document.data
        for part in spec.root if spec is not None else ():
            data = data[part]
        cache["all"] = validate(data, spec.schema if spec is not None else "peft-lora.schema.json")
        cache["root"] = spec.root if spec is not None else ()
    root = cache["root"]
    return [(root + p.pointer, p) for p in cache["all"] if p.kind == kind]


def implied_task_type(inv: Any) -> str | None:
    """The PEFT task type the model's `architectures` imply, or None."""
    if inv is None or not inv.architectures:
        return None
    arch = inv.architectures[0]
    for suffix, task in (
        ("ForSequenceClassification", "SEQ_CLS"),
        ("ForTokenClassification", "TOKEN_CLS"),
        ("ForQuestionAnswering", "QUESTION_ANS"),
        ("ForCausalLM", "CAUSAL_LM"),
        ("LMHeadModel", "CAUSAL_LM"),
    ):
        if arch.endswith(suffix):
            return task
    if arch.endswith("ForConditionalGeneration"):
        return "SEQ_2_SEQ_LM" if inv.config_facts.get("is_encoder_decoder") else "CAUSAL_LM"
    if arch.endswith("Model"):
        return "FEATURE_EXTRACTION"
    return None


def pitfall_findings(ctx: Context, kind: str):
    """Findings for the pitfalls of one kind that the dialect recorded while reading the file."""
    from linter.diagnostics import Finding

    for pitfall in ctx.spec.pitfalls if ctx.spec is not None else ():
        if pitfall.kind == kind:
            yield Finding(
                pitfall.message,
                pointer=pitfall.pointer,
                on_key=pitfall.on_key,
                hint=pitfall.hint,
                fix_suggestions=pitfall.fix_suggestions,
                level=pitfall.level,
                fix=pitfall.fix,
            )
