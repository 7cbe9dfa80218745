"""The LLaMA-Factory classic dialect: a flat `HfArgumentParser` YAML with `finetuning_type` and `lora_*` keys.

Mirrors `hparams/finetuning_args.py` (`LoraArguments`, `FinetuningArguments.__post_init__`) and
`model/adapter.py::_setup_lora_tuning`: `finetuning_type` defaults to `lora`; `lora_rank` (8),
`lora_alpha` (None, then `lora_rank * 2`), `lora_dropout` (0.0); `lora_target` and
`additional_target` are comma strings that `split_arg` splits and strips (a YAML list passes as
it is); `lora_target` defaults to `all`, and exactly `["all"]` becomes every Linear leaf name
(`find_all_linear_modules`, replayed once the model is known); `pissa_init` + `pissa_iter` become
`init_lora_weights="pissa[_niter_N]"`; the task type is always CAUSAL_LM (a reward model's value
head is saved by LLaMA-Factory itself) and `bias` is always "none".

Each entry of a comma string points at its own column inside the scalar, so a typo in
`lora_target: q_proj,v_prj` is reported under `v_prj`. LLaMA-Factory refuses unknown keys, so the
`lora_*` / `pissa_*` keys lora-lint does not know are reported.
"""

from __future__ import annotations

from typing import Any

from linter.diagnostics import Pointer, Span
from linter.document import Document
from linter.spec import AdapterSpec, Field, LinearTargets, Pitfall

NAME = "llamafactory"
LABEL = "LLaMA-Factory"
SCHEMA = "llamafactory-lora.schema.json"

FINETUNING_TYPES = ("lora", "oft", "freeze", "full")
#: keys whose settings only LoRA reads (inert under freeze / full / oft)
LORA_PREFIXES = ("lora_", "loraplus_", "pissa_")
#: keys `FinetuningArguments.__post_init__` refuses unless finetuning_type is lora
LORA_ONLY = ("use_dora", "use_rslora", "pissa_init", "loraplus_lr_ratio")
#: quantization methods backed by bitsandbytes (the default)
BNB_METHODS = ("bnb", "bitsandbytes")


def detect(data: dict) -> bool:
    return "finetuning_type" in data or ("stage" in data and "model_name_or_path" in data)


def split_arg(value: Any) -> Any:
    """`FinetuningArguments.__post_init__.split_arg`: a string is split at commas and each part stripped."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",")]
    return value


def entry_pointers(doc: Document, pointer: Pointer, value: str) -> tuple[Pointer, ...]:
    """One pointer per comma-separated entry of the string at `pointer`.

    When the scalar sits on one line and its text is the value itself (plain, or quoted without
    escapes), each entry gets a span of its own inside the scalar, registered in the Document under
    `pointer + (index,)`; otherwise the entries fall back to the whole scalar (`Document.span` walks
    up to the nearest located ancestor).
    """
    parts = value.split(",")
    pointers = tuple(pointer + (i,) for i in range(len(parts)))
    span = doc.value_spans.get(pointer)
    lines = doc.text.splitlines()
    if span is None or span.line != span.end_line or span.line > len(lines):
        return pointers
    raw = lines[span.line - 1][span.column - 1 : span.end_column - 1]
    offset = 0
    if len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0]:
        raw, offset = raw[1:-1], 1
    if raw != value:
        return pointers  # escapes or folding: the text is not the value, columns would drift
    start = 0
    for index, part in enumerate(parts):
        stripped = part.strip()
        column = span.column + offset + start + (len(part) - len(part.lstrip()))
        end = column + len(stripped) if stripped else column + 1
        doc.value_spans[pointer + (index,)] = Span(span.line, column, span.line, end)
        start += len(part) + 1
    return pointers


def _split_field(doc: Document, key: str, value: Any) -> Field:
    """A comma-string or list option as LLaMA-Factory passes it on, each entry pointing at itself."""
    if isinstance(value, str):
        return Field(split_arg(value), (key,), entry_pointers(doc, (key,), value))
    return Field(value, (key,))


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def to_spec(doc: Document) -> AdapterSpec:
    data: dict[str, Any] = doc.data
    spec = AdapterSpec(NAME, schema=SCHEMA)
    fields = spec.fields
    if "model_name_or_path" in data:
        fields["base_model_name_or_path"] = Field(data["model_name_or_path"], ("model_name_or_path",))
    if isinstance(data.get("model_revision"), str):
        fields["revision"] = Field(data["model_revision"], ("model_revision",))
    rank = data.get("lora_rank", 8)
    fields["r"] = Field(rank, ("lora_rank",)) if "lora_rank" in data else Field(8, None)
    alpha = data.get("lora_alpha")
    if alpha:
        fields["lora_alpha"] = Field(alpha, ("lora_alpha",))
    elif _int(rank):
        # `lora_alpha or lora_rank * 2`: derived, so no single source (an explicit 0 or null included)
        fields["lora_alpha"] = Field(rank * 2, None)
    if data.get("lora_dropout") is not None:
        fields["lora_dropout"] = Field(data["lora_dropout"], ("lora_dropout",))
    else:
        fields["lora_dropout"] = Field(0.0, None)
    _targets(spec, doc, data)
    if data.get("additional_target") is not None:
        fields["modules_to_save"] = _split_field(doc, "additional_target", data["additional_target"])
    for key in ("use_dora", "use_rslora"):
        if data.get(key) is not None:
            fields[key] = Field(data[key], (key,))
    if data.get("pissa_init") is True:
        steps = data.get("pissa_iter", 16)
        pointer: Pointer = ("pissa_iter",) if "pissa_iter" in data else ("pissa_init",)
        fields["init_lora_weights"] = Field("pissa" if steps == -1 else f"pissa_niter_{steps}", pointer)
    fields["task_type"] = Field("CAUSAL_LM", None)  # always, also for stage: rm (LLaMA-Factory#2724)
    fields["bias"] = Field("none", None)
    _pitfalls(spec, data)
    return spec


def _targets(spec: AdapterSpec, doc: Document, data: dict) -> None:
    """`lora_target` (default "all"): exactly ["all"] is the all-linear switch, anything else is passed on."""
    if "lora_target" not in data:
        anchor: Pointer = ("finetuning_type",) if "finetuning_type" in data else ()
        spec.linear_targets = LinearTargets(NAME, anchor)
        return
    value = data["lora_target"]
    targets = split_arg(value)
    if targets == ["all"]:
        spec.linear_targets = LinearTargets(NAME, ("lora_target",))
    elif isinstance(value, (str, list)):
        spec.fields["target_modules"] = _split_field(doc, "lora_target", value)
    else:
        # null or a number: LLaMA-Factory fails on it (`len(None)`); the schema reports the value
        spec.fields["target_modules"] = Field([], ("lora_target",))


def _set(value: Any) -> bool:
    return value not in (None, False, [], "")


def _keys(names: list[str]) -> str:
    shown = ", ".join(f"`{k}`" for k in names[:4])
    return shown + (" ..." if len(names) > 4 else "")


def _pitfalls(spec: AdapterSpec, data: dict) -> None:
    method = data.get("finetuning_type", "lora")
    if method not in FINETUNING_TYPES:
        lowered = str(method).lower()
        # a LoRA intent (`qlora`, `LoRA`) keeps the checks running on what `lora` would do
        spec.enabled = lowered in ("lora", "qlora")
        spec.pitfalls.append(
            Pitfall(
                "framework-rejects-config",
                f"LLaMA-Factory has no finetuning_type `{method}` (lora, oft, freeze or full): it stops with "
                "`AssertionError: Invalid fine-tuning method.`",
                ("finetuning_type",),
                hint="QLoRA in LLaMA-Factory is finetuning_type: lora plus quantization_bit: 4"
                if lowered == "qlora"
                else None,
                fix_suggestions=("lora",) if spec.enabled else (),
            )
        )
        if not spec.enabled:
            return
        method = "lora"
    if method == "lora":
        _lora_conflicts(spec, data)
        _resumed(spec, data)
    else:
        spec.enabled = False
        _not_lora(spec, data, method)
    _quantization(spec, data, method)


def _not_lora(spec: AdapterSpec, data: dict, method: str) -> None:
    """freeze / full / oft: the LoRA-only switches are refused, the other LoRA settings do nothing."""
    for key in LORA_ONLY:
        if _set(data.get(key)):
            spec.pitfalls.append(
                Pitfall(
                    "framework-rejects-config",
                    f"`{key}` is only valid for LoRA training; with finetuning_type: {method} LLaMA-Factory "
                    f"stops with `ValueError: `{key}` is only valid for LoRA training.`",
                    (key,),
                    on_key=True,
                    hint="remove it, or set finetuning_type: lora",
                )
            )
    inert = [k for k in data if isinstance(k, str) and k.startswith(LORA_PREFIXES) and k not in LORA_ONLY]
    if method != "oft":  # OFT saves additional_target too
        inert.append("additional_target")
    inert = [k for k in inert if _set(data.get(k))]
    if inert:
        what = {"full": "the whole model", "freeze": "whole layers (freeze_trainable_layers)", "oft": "OFT adapters"}[
            method
        ]
        spec.pitfalls.append(
            Pitfall(
                "inert-lora-settings",
                f"finetuning_type: {method} trains {what}, so LLaMA-Factory ignores {_keys(inert)}",
                (inert[0],),
                on_key=True,
                hint="set finetuning_type: lora, or remove the LoRA settings",
            )
        )


def _lora_conflicts(spec: AdapterSpec, data: dict) -> None:
    for key in ("use_galore", "use_apollo", "use_badam"):
        if data.get(key) is True:
            spec.pitfalls.append(
                Pitfall(
                    "framework-rejects-config",
                    f"LoRA cannot be combined with {key}: LLaMA-Factory stops with "
                    "`ValueError: Cannot use LoRA with GaLore, APOLLO or BAdam together.`",
                    (key,),
                    on_key=True,
                )
            )
    if data.get("pissa_init") is True:
        stage = data.get("stage", "sft")
        ref_model = stage == "dpo" and data.get("pref_loss", "sigmoid") not in ("orpo", "simpo")
        if stage in ("ppo", "kto") or ref_model:
            spec.pitfalls.append(
                Pitfall(
                    "framework-rejects-config",
                    f"PiSSA cannot be used with stage: {stage}"
                    + (" and a reference model" if ref_model else "")
                    + ": LLaMA-Factory stops with `ValueError: Cannot use PiSSA for current training stage.`",
                    ("pissa_init",),
                    on_key=True,
                )
            )


def _resumed(spec: AdapterSpec, data: dict) -> None:
    """With `adapter_name_or_path` (and no `create_new_adapter`) LoRA resumes the saved adapter as it is."""
    if not _set(data.get("adapter_name_or_path")) or data.get("create_new_adapter") is True:
        return
    spec.enabled = False  # the saved adapter's own config decides what is trained
    settings = [
        k
        for k in data
        if isinstance(k, str)
        and (k.startswith(("lora_", "pissa_")) or k in ("additional_target", "use_dora", "use_rslora"))
        and _set(data[k])
    ]
    if settings:
        spec.pitfalls.append(
            Pitfall(
                "inert-lora-settings",
                "with adapter_name_or_path, LLaMA-Factory resumes that adapter with its own saved "
                f"settings and ignores {_keys(settings)}",
                (settings[0],),
                on_key=True,
                hint="add create_new_adapter: true to train a new adapter on top, or remove the LoRA settings",
            )
        )


def _quantization(spec: AdapterSpec, data: dict, method: str) -> None:
    bits = data.get("quantization_bit")
    if bits is None:
        return
    rejects = spec.pitfalls.append
    quant = data.get("quantization_method", "bnb")
    if quant in BNB_METHODS and bits not in (4, 8):
        rejects(
            Pitfall(
                "framework-rejects-config",
                f"quantization_bit: {bits} with bitsandbytes: LLaMA-Factory stops with "
                "`ValueError: Bitsandbytes only accepts 4-bit or 8-bit quantization.`",
                ("quantization_bit",),
                hint="use 4 (QLoRA) or 8; 3 and 2 bits need quantization_method: hqq",
                fix_suggestions=("4", "8"),
            )
        )
    elif quant == "eetq" and bits != 8:
        rejects(
            Pitfall(
                "framework-rejects-config",
                f"quantization_bit: {bits} with EETQ: LLaMA-Factory stops with "
                "`ValueError: EETQ only accepts 8-bit quantization.`",
                ("quantization_bit",),
                fix_suggestions=("8",),
            )
        )
    if method in FINETUNING_TYPES and method not in ("lora", "oft"):
        rejects(
            Pitfall(
                "framework-rejects-config",
                f"a quantized model cannot be trained with finetuning_type: {method}: LLaMA-Factory stops with "
                "`ValueError: Quantization is only compatible with the LoRA or OFT method.`",
                ("quantization_bit",),
                on_key=True,
            )
        )
    if data.get("pissa_init") is True:
        rejects(
            Pitfall(
                "framework-rejects-config",
                "pissa_init cannot initialise an adapter on a quantized model: LLaMA-Factory stops and asks "
                "for scripts/pissa_init.py",
                ("pissa_init",),
                on_key=True,
                hint="run scripts/pissa_init.py first, or drop quantization_bit",
            )
        )
    if data.get("resize_vocab") is True:
        rejects(
            Pitfall(
                "framework-rejects-config",
                "resize_vocab cannot resize the embeddings of a quantized model: LLaMA-Factory stops with "
                "`ValueError: Cannot resize embedding layers of a quantized model.`",
                ("resize_vocab",),
                on_key=True,
            )
        )
