"""The TRL dialect: `trl sft|dpo|grpo|... --config x.yaml` files read by `TrlParser` into `ModelConfig`.

Mirrors TRL exactly (checked against `trl.get_peft_config` in tests/test_dialect_trl.py):

* `TrlParser` makes every YAML value the default of its argparse option, and argparse converts
  *string* defaults with the option's type: `lora_r: "8"` becomes 8, `use_peft: "yes"` becomes True
  (transformers' `string_to_bool`). Other values reach the dataclass as YAML read them.
* `ModelConfig.__post_init__` refuses `load_in_4bit` with `load_in_8bit`, and turns a one-item
  `lora_target_modules` list into a bare string (so `--lora_target_modules all-linear` works); PEFT
  then reads `[q_proj]` as the regex `q_proj`, which matches no nested module.
* `get_peft_config` returns None unless `use_peft` (the test is `use_peft is False`, so `null` or
  `0` still turn LoRA on), else `LoraConfig(task_type=lora_task_type, r=lora_r,
  target_modules=lora_target_modules, lora_alpha=lora_alpha, lora_dropout=lora_dropout,
  bias="none", use_rslora=use_rslora, use_dora=use_dora, modules_to_save=lora_modules_to_save)`,
  plus `target_parameters` when `lora_target_parameters` is set. Every one of those options is in
  the spec, the defaults the user did not write included (their pointer is None).

Only `ModelConfig` has `lora_*` keys, so an unknown `lora_*` key is a typo: `trl <command> --config`
refuses it, scripts that parse with `fail_with_unknown_args=False` ignore it (the schema reports it).
"""

from __future__ import annotations

import re
from typing import Any

from linter import peft_facts as pf
from linter.diagnostics import Level
from linter.document import Document
from linter.spec import AdapterSpec, Field, Pitfall

NAME = "trl"
LABEL = "TRL"
SCHEMA = "trl-lora.schema.json"

#: ModelConfig field -> (LoraConfig field, ModelConfig default, argparse type of a string value)
OPTIONS: dict[str, tuple[str, Any, str]] = {
    "lora_task_type": ("task_type", "CAUSAL_LM", "str"),
    "lora_r": ("r", 16, "int"),
    "lora_target_modules": ("target_modules", None, "str"),
    "lora_alpha": ("lora_alpha", 32, "int"),
    "lora_dropout": ("lora_dropout", 0.05, "float"),
    "use_rslora": ("use_rslora", False, "bool"),
    "use_dora": ("use_dora", False, "bool"),
    "lora_modules_to_save": ("modules_to_save", None, "str"),
}
#: passed to LoraConfig only when set (`target_parameters` is newer than some PEFT versions)
OPTIONAL = {"lora_target_parameters": "target_parameters"}
#: keys that only matter when `use_peft` is on
LORA_KEYS = (*OPTIONS, *OPTIONAL)
#: a one-item list whose entry is one of these still works as a regex: it is a top-level module
_TOP_LEVEL_HEADS = frozenset({"lm_head", "score", "classifier", "embed_out", "qa_outputs"})
_TRUE = ("yes", "true", "t", "y", "1")
_FALSE = ("no", "false", "f", "n", "0")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")


def detect(data: dict) -> bool:
    if "finetuning_type" in data or "stage" in data:
        return False  # LLaMA-Factory's signals: a `lora_r` there is a misspelt `lora_rank`, not TRL
    return "model_name_or_path" in data and any(
        key in data for key in ("use_peft", "lora_r", "lora_target_modules", "lora_task_type")
    )


def argparse_value(value: Any, kind: str) -> Any:
    """What argparse makes of a YAML value used as an option default (only strings are converted).

    A string the type cannot convert is returned unchanged: argparse exits with `invalid int value`,
    and the schema reports the value.
    """
    if not isinstance(value, str):
        return value
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except ValueError:
        return value
    if kind == "bool":
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return value


def collapse_targets(value: Any) -> Any:
    """`ModelConfig.__post_init__`: a one-item list (anything of length 1 but a mapping) becomes its item."""
    if isinstance(value, (list, str)) and len(value) == 1:
        return value[0]
    return value


def peft_enabled(data: dict) -> bool:
    """`get_peft_config` returns a LoraConfig unless `use_peft is False` after argparse."""
    return argparse_value(data.get("use_peft", False), "bool") is not False


def to_spec(doc: Document) -> AdapterSpec:
    data: dict[str, Any] = doc.data
    spec = AdapterSpec(NAME, schema=SCHEMA)
    fields = spec.fields
    fields["base_model_name_or_path"] = Field(data.get("model_name_or_path"), ("model_name_or_path",))
    if data.get("model_revision") is not None:
        fields["revision"] = Field(data["model_revision"], ("model_revision",))
    for key, (option, default, kind) in OPTIONS.items():
        if key in data:
            fields[option] = Field(argparse_value(data[key], kind), (key,))
        else:
            fields[option] = Field(default, None)
    targets = fields["target_modules"]
    fields["target_modules"] = Field(collapse_targets(targets.value), targets.pointer)
    for key, option in OPTIONAL.items():
        if data.get(key) is not None:
            fields[option] = Field(data[key], (key,))
    fields["bias"] = Field("none", None)
    spec.enabled = peft_enabled(data)
    _pitfalls(spec, data)
    return spec


def _kind(key: str) -> str:
    return OPTIONS[key][2] if key in OPTIONS else "str"


def _set(value: Any) -> bool:
    return value is not None and value is not False and value != []


def _pitfalls(spec: AdapterSpec, data: dict) -> None:
    if (
        argparse_value(data.get("load_in_4bit"), "bool") is True
        and argparse_value(data.get("load_in_8bit"), "bool") is True
    ):
        spec.pitfalls.append(
            Pitfall(
                "framework-rejects-config",
                "load_in_4bit and load_in_8bit are both true: TRL's ModelConfig raises "
                "`You can't use 8 bit and 4 bit precision at the same time`",
                ("load_in_8bit",),
                on_key=True,
                hint="keep one of them (load_in_4bit for QLoRA)",
            )
        )
    if not spec.enabled:
        _disabled(spec, data)
        return
    _single_target(spec, data)


def _disabled(spec: AdapterSpec, data: dict) -> None:
    lora_keys = [k for k in data if k in LORA_KEYS and _set(argparse_value(data[k], _kind(k)))]
    written = "use_peft" in data
    where = ("use_peft",) if written else (lora_keys[0],) if lora_keys else ()
    how = "`use_peft` is false" if written else "`use_peft` is not set"
    if lora_keys:
        names = ", ".join(f"`{k}`" for k in lora_keys[:4]) + (" ..." if len(lora_keys) > 4 else "")
        spec.pitfalls.append(
            Pitfall(
                "inert-lora-settings",
                f"{how}, so TRL trains the whole model and ignores {names}",
                where,
                on_key=not written,
                hint="add use_peft: true" if not written else "set use_peft: true",
                fix_suggestions=("use_peft: true",) if not written else ("true",),
            )
        )
    for key in ("load_in_4bit", "load_in_8bit"):
        if argparse_value(data.get(key), "bool") is True:
            spec.pitfalls.append(
                Pitfall(
                    "framework-rejects-config",
                    f"{key} without use_peft: the quantised model has no adapter to train, and the "
                    "transformers Trainer raises `You cannot perform fine-tuning on purely quantized models`",
                    (key,),
                    on_key=True,
                    hint="set use_peft: true (QLoRA), or drop " + key,
                )
            )


def _single_target(spec: AdapterSpec, data: dict) -> None:
    """A one-item list (or a bare name) that PEFT will read as a regex over full module names."""
    raw = data.get("lora_target_modules")
    value = spec.get("target_modules")
    if not isinstance(value, str) or value.lower() == pf.ALL_LINEAR or not _IDENTIFIER.match(value):
        return  # a list, all-linear, or a string with regex syntax the user meant as a regex
    if value in _TOP_LEVEL_HEADS:
        return  # `lm_head` as a regex still matches the top-level head
    regex = ".*\\." + re.escape(value)
    dotted = "." in value
    if isinstance(raw, list):
        message = (
            f"TRL turns the one-item list [{value}] into the string `{value}`, and PEFT reads a string as a "
            f"regex over full module names: it matches only a module whose whole name is `{value}`"
        )
    else:
        message = (
            f"`lora_target_modules` is the string `{value}`, which PEFT reads as a regex over full module "
            f"names: it matches only a module whose whole name is `{value}` (and a one-item list "
            "becomes the same string in TRL)"
        )
    if not dotted:
        message += ", so PEFT raises `Target modules ... not found`"
    spec.pitfalls.append(
        Pitfall(
            "single-target-becomes-regex",
            message + (" (fine only if it is a full module name)" if dotted else ""),
            ("lora_target_modules",),
            hint=f"list two or more names, or write the regex '{regex}'",
            fix_suggestions=(regex,),
            level=Level.WARNING if dotted else None,
        )
    )
