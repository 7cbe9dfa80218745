"""Validate a config's data against a JSON Schema in `schemas/`, as positioned problems.

The schemas are plain JSON Schema 2020-12 so editors and check-jsonschema can use them too. This
module turns jsonschema's errors into what a user can act on: the key or value at fault (as a
pointer, so the finding gets its line:column), a message in PEFT's terms, and the closest valid
name or value. Two lora-lint annotations steer the messages: `x-expects` (what a field takes) on
properties and `x-pointer` (the key to blame) on cross-field conditions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend

from linter.diagnostics import Pointer
from linter.names import close_names

_SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def schema_path(name: str) -> Path:
    """Where a shipped schema lives: inside the installed package, or in the source checkout."""
    packaged = resources.files("linter") / "schemas" / name
    if packaged.is_file():
        return Path(str(packaged))
    return _SCHEMA_DIR / name


@cache
def load_schema(name: str) -> dict[str, Any]:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


def _is_integer(checker: Any, instance: Any) -> bool:
    # JSON Schema counts 8.0 as an integer; PEFT does not (torch rejects a float rank)
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@cache
def _validator(name: str) -> Any:
    return _Validator(load_schema(name))


@dataclass(frozen=True)
class SchemaProblem:
    """One thing the schema rejects. `kind`: "unknown-key", "invalid-value" or "conflict"."""

    kind: str
    pointer: Pointer
    message: str
    on_key: bool = False
    hint: str | None = None
    fix_suggestions: tuple[str, ...] = ()


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _label(pointer: Pointer) -> str:
    parts = [str(p) for p in pointer if not isinstance(p, int)]
    name = ".".join(parts) or "the config"
    index = [p for p in pointer if isinstance(p, int)]
    return f"entry {index[-1]} of `{name}`" if index and isinstance(pointer[-1], int) else f"`{name}`"


def _enums(schema: Any) -> list[str]:
    found: list[str] = []
    if isinstance(schema, dict):
        for value in schema.get("enum", []):
            if isinstance(value, str):
                found.append(value)
        for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
            found.extend(_enums(branch))
    return found


def _property_schema(root: dict[str, Any], pointer: Pointer) -> dict[str, Any] | None:
    schema: Any = root
    for part in pointer:
        if not isinstance(schema, dict):
            return None
        if isinstance(part, str) and part in schema.get("properties", {}):
            schema = schema["properties"][part]
        elif isinstance(part, str):
            return None
        else:
            return schema  # inside a list: the field's own schema still describes it
    return schema


def _expects(root: dict[str, Any], pointer: Pointer) -> str | None:
    while pointer:
        schema = _property_schema(root, pointer)
        if isinstance(schema, dict) and "x-expects" in schema and not isinstance(pointer[-1], int):
            return schema["x-expects"]
        pointer = pointer[:-1]
    return None


def _deepest(error: ValidationError) -> ValidationError:
    """Within anyOf/oneOf, the sub-error that goes deepest into the instance (an item, not the list)."""
    if not error.context:
        return error
    deepest = max(error.context, key=lambda e: len(e.absolute_path))
    if len(deepest.absolute_path) > len(error.absolute_path):
        return _deepest(deepest)
    return error


def _value_problem(root: dict[str, Any], error: ValidationError) -> SchemaProblem:
    error = _deepest(error)
    pointer = tuple(error.absolute_path)
    label = _label(pointer)
    value = error.instance
    validator = error.validator
    hint = None
    suggestions: tuple[str, ...] = ()
    if validator in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf"):
        relation = {
            "minimum": ">=",
            "exclusiveMinimum": ">",
            "maximum": "<=",
            "exclusiveMaximum": "<",
            "multipleOf": "a multiple of",
        }[validator]
        message = f"{label} must be {relation} {error.validator_value}, got {_show(value)}"
    elif validator == "minLength":
        message = f"{label} must not be empty"
    elif validator in ("minItems", "maxItems"):
        message = f"{label} has the wrong number of items ({_show(value)})"
    else:
        expects = _expects(root, pointer) if not (pointer and isinstance(pointer[-1], int)) else None
        if expects is None and validator == "type":
            expects = _TYPE_NAMES.get(str(error.validator_value), str(error.validator_value))
        if expects is None and validator == "enum":
            expects = "one of " + ", ".join(str(v) for v in error.validator_value)
        expects = expects or "a valid value"
        message = f"{label} must be {expects}, got {_json_type(value)}"
        if value is not None and not isinstance(value, (dict, list)):
            message += f" {_show(value)}"
    if isinstance(value, str):
        choices = _enums(_property_schema(root, pointer) or {})
        close = close_names(value, choices, n=1) or [c for c in choices if c.lower() == value.lower()]
        if close:
            hint = f"did you mean `{close[0]}`?"
            suggestions = (close[0],)
    return SchemaProblem("invalid-value", pointer, message, hint=hint, fix_suggestions=suggestions)


def _unknown_keys(root: dict[str, Any], error: ValidationError) -> list[SchemaProblem]:
    base = tuple(error.absolute_path)
    known = list(error.schema.get("properties", {}))
    problems = []
    for key in error.instance:
        if key in error.schema.get("properties", {}):
            continue
        close = close_names(str(key), known, n=1, cutoff=0.75)
        where = f" inside `{'.'.join(map(str, base))}`" if base else ""
        if base:
            message = f"unknown key `{key}`{where}: PEFT drops it silently"
        else:
            message = (
                f"unknown key `{key}`: PEFT before 0.14 refuses the config (TypeError), "
                "later versions ignore the key with a warning"
            )
        problems.append(
            SchemaProblem(
                "unknown-key",
                base + (key,),
                message,
                on_key=True,
                hint=f"did you mean `{close[0]}`?" if close else None,
                fix_suggestions=tuple(close),
            )
        )
    return problems


def _namespace_keys(root: dict[str, Any], schema: Any, data: Any, pointer: Pointer) -> list[SchemaProblem]:
    """Unknown keys inside a framework's LoRA namespaces (`x-lora-namespaces`: key prefixes).

    A framework schema describes only the LoRA-relevant keys of a training config, so it cannot
    refuse every other key; it refuses the keys that look like LoRA options and are not among them
    (`lora_target_module`, `peft_use_dorra`), which the frameworks drop silently.
    """
    if not isinstance(schema, dict) or not isinstance(data, dict):
        return []
    properties = schema.get("properties", {})
    namespaces = schema.get("x-lora-namespaces")
    foreign = schema.get("x-foreign-keys", {})
    problems = []
    for key, value in data.items():
        if key in properties:
            problems.extend(_namespace_keys(root, properties[key], value, pointer + (key,)))
        elif key in foreign:
            effect = root.get("x-unknown-key-effect", "the framework ignores it")
            problems.append(
                SchemaProblem(
                    "unknown-key",
                    pointer + (key,),
                    f"`{key}` is another framework's name for this setting: {effect}",
                    on_key=True,
                    hint=f"write `{foreign[key]}`",
                    fix_suggestions=(foreign[key],),
                )
            )
        elif namespaces is not None and isinstance(key, str) and any(key.startswith(p) for p in namespaces):
            close = close_names(key, list(properties), n=1, cutoff=0.7)
            effect = root.get("x-unknown-key-effect", "the framework ignores it")
            problems.append(
                SchemaProblem(
                    "unknown-key",
                    pointer + (key,),
                    f"unknown key `{key}`: {effect}",
                    on_key=True,
                    hint=f"did you mean `{close[0]}`?" if close else None,
                    fix_suggestions=tuple(close),
                )
            )
    return problems


def validate(data: Any, schema_name: str) -> list[SchemaProblem]:
    """All schema problems of `data`, ordered by pointer."""
    root = load_schema(schema_name)
    problems: list[SchemaProblem] = _namespace_keys(root, root, data, ())
    seen: set[tuple] = set()
    for error in _validator(schema_name).iter_errors(data):
        path = list(error.schema_path)
        nested = [e for e in (error.context or []) if e.validator == "additionalProperties"]
        if error.validator == "additionalProperties" or nested:
            for unknown in [error] if not nested else nested:
                problems.extend(_unknown_keys(root, unknown))
            continue
        if path and path[0] == "allOf" and len(path) > 1 and isinstance(path[1], int):
            condition = root["allOf"][path[1]]
            pointer = (condition.get("x-pointer"),) if condition.get("x-pointer") in data else ()
            problem = SchemaProblem("conflict", pointer, condition["description"], on_key=True)
        else:
            problem = _value_problem(root, error)
        key = (problem.kind, problem.pointer, problem.message)
        if key not in seen:
            seen.add(key)
            problems.append(problem)
    return sorted(problems, key=lambda p: [str(x) for x in p.pointer])
