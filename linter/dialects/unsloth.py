"""The Unsloth CLI dialect: `unsloth train --config x.yaml`, with `model`, `training:` and `lora:` sections.

Mirrors the released `unsloth` package (2026.10): `unsloth_cli/config.py` (pydantic models with
`extra="forbid"`; releases before it ignored unknown keys) and the Studio trainer it feeds
(`studio/backend/core/training/trainer.py`, `prepare_model_for_training`), for text models:

* `training.training_type` is `lora` or `full` (lower-cased and stripped first); `full` skips PEFT,
  anything else (`qlora`) is refused. `training.load_in_4bit` defaults to true, so `lora` is QLoRA
  unless it is turned off.
* `lora.target_modules` is one comma-separated *string* (a YAML list is refused; Studio's per-model
  `model_defaults/` files do use lists), split and stripped by `Config.model_kwargs`. An
  `all-linear` entry becomes PEFT's `"all-linear"` when it is alone and is dropped otherwise; no
  name at all falls back to the seven Llama projections, not to PEFT's defaults.
* `FastLanguageModel.get_peft_model` drops repeated names and moves `embed_tokens` / `lm_head` (any
  `x.embed_tokens` spelling too) from the targets to `modules_to_save`: trained in full, not LoRA.
  Task type CAUSAL_LM, bias "none".
* `lora.use_loftq` sets `init_lora_weights="loftq"`, but the trainer skips LoftQ (with a warning)
  on quantised weights, which `load_in_4bit: true` gives.

Each name of a comma string points at its own columns inside the scalar: the dialect adds their
spans to the Document under the pointer `(..., "target_modules", index)`. Not modelled, because they
depend on the model: vision models (the CLI ignores `target_modules` for them, `vision_all_linear`
decides), MoE expert parameters Unsloth adds by itself, dropping a tied `lm_head`, pre-quantised
(`-bnb-4bit`) checkpoints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from linter import peft_facts as pf
from linter.diagnostics import Pointer, Span
from linter.document import Document
from linter.spec import AdapterSpec, Field, Pitfall

NAME = "unsloth"
LABEL = "Unsloth"
SCHEMA = "unsloth-lora.schema.json"

DEFAULT_TARGETS = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"
#: `lora:` key -> (LoraConfig field, default, pydantic type)
LORA_OPTIONS: dict[str, tuple[str, Any, str]] = {
    "lora_r": ("r", 64, "int"),
    "lora_alpha": ("lora_alpha", 16, "int"),
    "lora_dropout": ("lora_dropout", 0.0, "float"),
    "use_rslora": ("use_rslora", False, "bool"),
    "use_dora": ("use_dora", False, "bool"),
}
#: every key of each section of `unsloth_cli/config.py`, with its default
SECTIONS: dict[str, dict[str, Any]] = {
    "data": {"dataset": None, "local_dataset": None, "format_type": "auto"},
    "training": {
        "training_type": "lora",
        "max_seq_length": 2048,
        "load_in_4bit": True,
        "output_dir": "./outputs",
        "num_epochs": 3,
        "learning_rate": 2e-4,
        "batch_size": 2,
        "gradient_accumulation_steps": 4,
        "warmup_steps": 5,
        "max_steps": 0,
        "save_steps": 0,
        "weight_decay": 0.01,
        "random_seed": 3407,
        "packing": False,
        "train_on_completions": False,
        "gradient_checkpointing": "unsloth",
    },
    "lora": {
        "lora_r": 64,
        "lora_alpha": 16,
        "lora_dropout": 0.0,
        "target_modules": DEFAULT_TARGETS,
        "vision_all_linear": False,
        "use_rslora": False,
        "use_loftq": False,
        "use_dora": False,
        "finetune_vision_layers": True,
        "finetune_language_layers": True,
        "finetune_attention_modules": True,
        "finetune_mlp_modules": True,
    },
    "logging": {
        "enable_wandb": False,
        "wandb_project": "unsloth-training",
        "wandb_token": None,
        "enable_tensorboard": False,
        "tensorboard_dir": "runs",
        "hf_token": None,
    },
}
#: `get_peft_model` trains these in full when they are listed as targets
EMBEDDING_TARGETS = pf.EMBEDDING_LAYER_NAMES
_TRUE = ("1", "on", "t", "true", "y", "yes")
_FALSE = ("0", "off", "f", "false", "n", "no")


def detect(data: dict) -> bool:
    lora, training = data.get("lora"), data.get("training")
    if not isinstance(lora, dict) or not isinstance(training, dict):
        return False
    return "r" not in lora or "lora_r" in lora  # `lora: {r: ...}` holds PEFT's own keywords


def coerce(value: Any, kind: str) -> Any:
    """pydantic's lax conversion of a YAML value to the field's type; the value itself if it fails."""
    if kind == "int":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                return value
    elif kind == "float":
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                return value
    elif kind == "bool":
        if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
    return value


def _section(data: dict, name: str) -> dict:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def to_spec(doc: Document) -> AdapterSpec:
    data: dict[str, Any] = doc.data
    lora, training = _section(data, "lora"), _section(data, "training")
    spec = AdapterSpec(NAME, schema=SCHEMA)
    fields = spec.fields
    fields["base_model_name_or_path"] = Field(data["model"], ("model",)) if "model" in data else Field(None, None)
    for key, (option, default, kind) in LORA_OPTIONS.items():
        if key in lora:
            fields[option] = Field(coerce(lora[key], kind), ("lora", key))
        else:
            fields[option] = Field(default, None)
    fields["task_type"] = Field("CAUSAL_LM", None)
    fields["bias"] = Field("none", None)
    _targets(spec, doc, lora)
    mode = training.get("training_type", "lora")
    mode = mode.strip().lower() if isinstance(mode, str) else mode
    if mode == "full":
        spec.enabled = False
        _inert(spec, lora)
    elif mode != "lora":
        spec.enabled = False
        _bad_training_type(spec, training["training_type"])
    elif coerce(lora.get("use_loftq"), "bool") is True:
        _loftq(spec, training)
    _list_targets(spec, doc, lora)
    _misplaced(spec, data)
    return spec


# --- target_modules ----------------------------------------------------------------------------


def _targets(spec: AdapterSpec, doc: Document, lora: dict) -> None:
    """`Config.model_kwargs` + `prepare_model_for_training` + `get_peft_model`'s embedding move."""
    pointer: Pointer | None = ("lora", "target_modules") if "target_modules" in lora else None
    raw = lora.get("target_modules", DEFAULT_TARGETS)
    if isinstance(raw, str):
        names, items = _split(doc, raw, pointer)
    elif isinstance(raw, list):  # Studio's format; the CLI refuses it (see _list_targets)
        kept = [i for i, n in enumerate(raw) if n is not None and str(n).strip()]
        names, items = [str(raw[i]).strip() for i in kept], [pointer + (i,) for i in kept]
    else:  # the CLI refuses the type (the schema says so); read it as the default
        names, items = _split(doc, DEFAULT_TARGETS, None)
    fields = spec.fields
    if pf.ALL_LINEAR in names:
        if len(names) == 1:
            fields["target_modules"] = Field(pf.ALL_LINEAR, items[0])
            return
        kept = [i for i, n in enumerate(names) if n != pf.ALL_LINEAR]
        names, items = [names[i] for i in kept], [items[i] for i in kept]
    if not names:  # the trainer's own default, not PEFT's
        names, items = _split(doc, DEFAULT_TARGETS, None)
        items = [pointer] * len(names)
    first = {name: index for index, name in reversed(list(enumerate(names)))}
    order = sorted(first.values())  # get_peft_model drops repeated names
    moved = [i for i in order if names[i].rsplit(".", 1)[-1] in EMBEDDING_TARGETS]
    left = [i for i in order if i not in moved]
    if moved:
        fields["modules_to_save"] = Field([names[i] for i in moved], pointer, tuple(items[i] for i in moved))
        if not left:
            spec.pitfalls.append(
                Pitfall(
                    "no-lora-targets",
                    "Unsloth trains " + " and ".join(f"`{names[i]}`" for i in moved) + " in full through "
                    "modules_to_save, not as LoRA targets, so no target is left and get_peft_model raises "
                    "`target_modules is now empty`",
                    pointer or (),
                    hint="add the projections to adapt, e.g. q_proj,k_proj,v_proj,o_proj",
                )
            )
    fields["target_modules"] = Field([names[i] for i in left], pointer, tuple(items[i] for i in left))


def _split(doc: Document, text: str, pointer: Pointer | None) -> tuple[list[str], list[Any]]:
    """The comma-separated names of `text`, each with a pointer whose span is its own columns."""
    names: list[str] = []
    offsets: list[int] = []
    start = 0
    for piece in text.split(","):
        stripped = piece.strip()
        if stripped:
            names.append(stripped)
            offsets.append(start + len(piece) - len(piece.lstrip()))
        start += len(piece) + 1
    if pointer is None:
        return names, [None] * len(names)
    base = _content_start(doc, pointer, text)
    items = []
    for index, (name, offset) in enumerate(zip(names, offsets, strict=True)):
        item = pointer + (index,)
        if base is not None:
            line, column = base
            doc.value_spans[item] = Span(line, column + offset, line, column + offset + len(name))
        items.append(item)
    return names, items


def _content_start(doc: Document, pointer: Pointer, text: str) -> tuple[int, int] | None:
    """(line, column) of the first character of a one-line scalar whose source text is `text` itself."""
    span = doc.value_spans.get(pointer)
    lines = doc.lines
    if span is None or span.line != span.end_line or span.line > len(lines):
        return None
    raw = lines[span.line - 1][span.column - 1 : span.end_column - 1]
    quoted = len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\""
    content = raw[1:-1] if quoted else raw
    if content != text:
        return None  # escapes, folding or a multi-line scalar: point at the whole value
    return span.line, span.column + (1 if quoted else 0)


# --- pitfalls ------------------------------------------------------------------------------------


def _changed(lora: dict) -> list[str]:
    """`lora:` keys set to something other than the CLI default (and not to an empty value)."""
    defaults = SECTIONS["lora"]
    return [
        key
        for key, value in lora.items()
        if key in defaults and value not in (None, "", [], False) and value != defaults[key]
    ]


def _inert(spec: AdapterSpec, lora: dict) -> None:
    keys = _changed(lora)
    if not keys:
        return
    names = ", ".join(f"`lora.{k}`" for k in keys[:4]) + (" ..." if len(keys) > 4 else "")
    spec.pitfalls.append(
        Pitfall(
            "inert-lora-settings",
            f"`training_type: full` fine-tunes every weight, so Unsloth ignores {names}",
            ("training", "training_type"),
            hint="set training_type: lora to train the adapter",
            fix_suggestions=("lora",),
        )
    )


def _loftq(spec: AdapterSpec, training: dict) -> None:
    """`_loftq_peft_kwargs`, skipped with a warning on quantised weights (`LOFTQ_SKIPPED_ON_QUANTIZED`)."""
    if coerce(training.get("load_in_4bit", True), "bool") is not False:
        spec.pitfalls.append(
            Pitfall(
                "inert-lora-settings",
                "`use_loftq` does nothing while training.load_in_4bit is true (the default): LoftQ needs "
                "16-bit weights, so Unsloth trains the 4-bit model without it",
                ("lora", "use_loftq"),
                on_key=True,
                hint="set training.load_in_4bit: false to use LoftQ, or drop use_loftq",
            )
        )
        return
    spec.fields["init_lora_weights"] = Field("loftq", ("lora", "use_loftq"))
    spec.fields["loftq_config"] = Field({"loftq_bits": 4, "loftq_iter": 1}, ("lora", "use_loftq"))


def _bad_training_type(spec: AdapterSpec, value: Any) -> None:
    text = str(value).strip().lower()
    qlora = text == "qlora"
    spec.pitfalls.append(
        Pitfall(
            "framework-rejects-config",
            f"Unsloth has no training_type `{value}` (lora or full)"
            + (": QLoRA is training_type: lora with load_in_4bit: true, the default" if qlora else ""),
            ("training", "training_type"),
            fix_suggestions=("lora",) if qlora or "lora" in text else ("full",) if "full" in text else (),
        )
    )


def _list_targets(spec: AdapterSpec, doc: Document, lora: dict) -> None:
    value = lora.get("target_modules")
    if not isinstance(value, list) or "model_defaults" in Path(doc.path).parts:
        return  # Studio's per-model defaults take a list
    names = [str(n).strip() for n in value if n is not None and str(n).strip()]
    spec.pitfalls.append(
        Pitfall(
            "framework-rejects-config",
            "`lora.target_modules` is a list, but `unsloth train` takes one comma-separated string "
            "and refuses the config (`Input should be a valid string`)",
            ("lora", "target_modules"),
            hint=f'write target_modules: "{",".join(names)}"',
            fix_suggestions=(f'"{",".join(names)}"',),
        )
    )


def _misplaced(spec: AdapterSpec, data: dict) -> None:
    """A section's key at the top level or in another section: refused by `unsloth train`."""
    home = {key: section for section, keys in SECTIONS.items() for key in keys}
    places: list[tuple[Pointer, str, str | None]] = [((key,), key, None) for key in data if key not in SECTIONS]
    for section in ("data", "training", "logging"):  # unknown keys inside `lora:` come from the schema
        places += [((section, key), key, section) for key in _section(data, section)]
    for pointer, key, where in places:
        canonical = str(key).replace("-", "_")
        target = home.get(canonical)
        if target is None or target == where:
            continue
        here = f"in `{where}:`" if where else "at the top level"
        spec.pitfalls.append(
            Pitfall(
                "framework-rejects-config",
                f"`{key}` belongs under `{target}:`; `unsloth train` refuses it {here} "
                "(releases before it checked keys ignored it silently)",
                pointer,
                on_key=True,
                hint=f"move it into the `{target}:` section",
            )
        )
