"""`suggest`: write a LoRA config for one model, in one framework's keys, that lints clean.

The hard parts of a first LoRA config are the names (`linter.presets` picks the modules by role,
`linter.target_names` writes them so that PEFT selects exactly those) and the framework: each
one spells the options differently and some cannot say everything PEFT can. This module writes
the config for a dialect, then reads it back through the dialect's own reader and PEFT's replayed
matching (`linter.file_analysis`), the same path `lora-lint` takes, and refuses to return a config
that does not target exactly what the preset names. The trainable parameter count in the header
comes from that read-back, so it is the count `lora-lint` (and PEFT) report for the file.

What a framework cannot express is said in a comment, with the fallback taken:

| | peft | axolotl | llamafactory | trl |
|---|---|---|---|---|
| rank_pattern (FFN at its own rank) | yes | no: one rank | no: one rank | no: one rank |
| target_parameters (MoE experts) | yes | yes | no: experts left out | yes |
| task types | any | CAUSAL_LM, SEQ_CLS, TOKEN_CLS (`model_type`) | CAUSAL_LM | any |
| fan_in_fan_out (GPT-2 Conv1D) | yes | yes | no: PEFT sets it | no: PEFT sets it |

TRL turns a one-item `lora_target_modules` list into a string that PEFT reads as a regex, so a
single name is written as the regex `(.*\\.)?name`, which selects the same modules.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from linter import __version__
from linter import peft_facts as pf
from linter.anatomy import Anatomy, Place
from linter.document import parse_text
from linter.file_analysis import FileAnalysis, analyze_document
from linter.heads import task_heads
from linter.models.inventory import Inventory
from linter.models.provider import ModelProvider
from linter.presets import Selection, select
from linter.rules.helpers import implied_task_type
from linter.target_names import list_entries, pattern_key
from linter.targets import rank_and_alpha

DIALECTS = ("peft", "axolotl", "llamafactory", "trl")
LABELS = {"peft": "PEFT", "axolotl": "axolotl", "llamafactory": "LLaMA-Factory", "trl": "TRL"}
#: task types a dialect can express (None: any); the first is its default
DIALECT_TASKS: dict[str, tuple[str, ...] | None] = {
    "peft": None,
    "trl": None,
    "axolotl": ("CAUSAL_LM", "SEQ_CLS", "TOKEN_CLS"),
    "llamafactory": ("CAUSAL_LM",),
}
RANK_PATTERN = frozenset({"peft"})
TARGET_PARAMETERS = frozenset({"peft", "axolotl", "trl"})
FAN_IN_FAN_OUT = {"peft": "fan_in_fan_out", "axolotl": "lora_fan_in_fan_out"}
#: axolotl's `model_type` (the class it loads) for the classification task types
AXOLOTL_CLASSES = {"SEQ_CLS": "AutoModelForSequenceClassification", "TOKEN_CLS": "AutoModelForTokenClassification"}
DEFAULT_DROPOUT = 0.05


class SuggestError(Exception):
    """The request cannot be met (model unavailable, task type the framework cannot train ...)."""


@dataclass
class Request:
    model: str
    preset: str = "attention-qv"
    r: int = 8
    ffn_r: int = 4
    alpha: float | None = None
    dropout: float | None = None
    task_type: str | None = None
    dialect: str = "peft"
    fmt: str = "yaml"
    revision: str | None = None


@dataclass
class Suggestion:
    text: str
    #: the config as the dialect's keys, and as PEFT's LoraConfig keyword arguments (read back)
    data: dict[str, Any]
    inventory: Inventory
    selection: Selection
    check: FileAnalysis
    notes: list[str] = field(default_factory=list)

    @property
    def task_type(self) -> str | None:
        return self.check.spec.task_type


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def choose_task(request: Request, implied: str | None) -> str | None:
    """The task type to write: the one asked for, else the model's, within what the dialect can say."""
    allowed = DIALECT_TASKS[request.dialect]
    label = LABELS[request.dialect]
    if request.task_type is not None:
        if allowed is not None and request.task_type not in allowed:
            raise SuggestError(
                f"{label} cannot train task type {request.task_type} (it trains {', '.join(allowed)}); "
                "use --dialect peft or trl"
            )
        return request.task_type
    if allowed is None:
        return implied
    return implied if implied in allowed else allowed[0]


def _rows(places: list[Place]) -> list[list[Place]]:
    """Places grouped by section, role and leaf name, in first-seen order."""
    rows: dict[tuple[str, str, str], list[Place]] = {}
    for place in places:
        rows.setdefault((place.section, place.role, place.leaf), []).append(place)
    return list(rows.values())


@dataclass
class _Plan:
    """The dialect-independent config: PEFT's option names, plus what each module should get."""

    options: dict[str, Any]
    #: the places the config targets (the preset's, minus what the dialect cannot express)
    places: list[Place]
    modules: set[str]
    parameters: set[str]
    ranks: dict[str, int]
    notes: list[str]


def plan(request: Request, inv: Inventory, selection: Selection, task: str | None) -> _Plan:
    """The options that express `selection` in PEFT's terms, trimmed to what the dialect can say."""
    dialect, label = request.dialect, LABELS[request.dialect]
    notes: list[str] = []
    r = request.r
    alpha = _number(request.alpha if request.alpha is not None else 2 * r)
    places = list(selection.places)
    if selection.parameters and dialect not in TARGET_PARAMETERS:
        dropped = sorted({p.leaf for p in selection.parameters})
        notes.append(
            f"{label} has no target_parameters, so the MoE experts ({', '.join(dropped)}: 3-D parameters, not "
            "modules) cannot be adapted; this config leaves them out"
        )
        places = [p for p in places if p.param is None]
    if any(p.param is not None for p in places) and not inv.shapes:
        notes.append(
            f"without torch, lora-lint knows {inv.model_class}'s MoE expert parameters by name only and cannot "
            "check target_parameters: the experts are left out (install lora-lint[models] to include them)"
        )
        places = [p for p in places if p.param is None]
    has_params = any(p.param is not None for p in places)
    dropout = request.dropout if request.dropout is not None else DEFAULT_DROPOUT
    if has_params and dropout:
        if request.dropout is not None:
            notes.append(f"lora_dropout is 0, not {request.dropout}: PEFT refuses dropout with target_parameters")
        dropout = 0.0
    if not places:
        raise SuggestError(f"{label} can express none of what preset {request.preset} names on {inv.model_class}")
    ffn = [p for p in places if selection.is_ffn(p)]
    ffn_rank = request.ffn_r
    if ffn and ffn_rank != r and dialect not in RANK_PATTERN:
        notes.append(
            f"{label} has no rank_pattern, so the FFN cannot have its own rank: it trains at r={r} too "
            f"(--ffn-r {ffn_rank} needs --dialect peft)"
        )
        ffn_rank = r
    ffn_keys = {p.key for p in ffn}
    ranks = {p.key: (ffn_rank if p.key in ffn_keys else r) for p in places}

    modules = [m.name for m in inv.modules if m.name]
    params = [f"{m}.{p}" for m, p, _ in inv.parameters()]
    module_rows = [[p.key for p in row] for row in _rows([p for p in places if p.param is None])]
    param_rows = [[p.key for p in row] for row in _rows([p for p in places if p.param is not None])]
    options: dict[str, Any] = {"base_model_name_or_path": request.model}
    if request.revision:
        options["revision"] = request.revision
    if task is not None:
        options["task_type"] = task
    options.update(r=r, lora_alpha=alpha, lora_dropout=dropout)
    options["target_modules"] = list_entries(module_rows, modules)
    if param_rows:
        options["target_parameters"] = list_entries(param_rows, params)
    if ffn and ffn_rank != r:
        targeted = list(ranks)
        paths = {p.key: p.path for p in places}
        rank_pattern, alpha_pattern = {}, {}
        ffn_alpha = _number(alpha * ffn_rank / r)
        for row in _rows(ffn):
            key = pattern_key([p.key for p in row], targeted, paths)
            rank_pattern[key] = ffn_rank
            if ffn_alpha != alpha:
                alpha_pattern[key] = ffn_alpha
        options["rank_pattern"] = rank_pattern
        if alpha_pattern:
            options["alpha_pattern"] = alpha_pattern
    if task in pf.TASK_HEADS:
        saved = task_heads(inv)
        if saved:
            options["modules_to_save"] = saved
        else:
            notes.append(f"no task head found in {inv.model_class}: nothing added to modules_to_save")
    if any(p.module.kind == "conv1d_hf" for p in places if p.param is None):
        if dialect in FAN_IN_FAN_OUT:
            options["fan_in_fan_out"] = True
        else:
            notes.append(
                f"{label} has no fan_in_fan_out option: PEFT sets it for {inv.model_class}'s Conv1D layers "
                "itself (with a warning)"
            )
    return _Plan(
        options,
        places,
        {p.key for p in places if p.param is None},
        {p.key for p in places if p.param is not None},
        ranks,
        notes,
    )


# -- dialects: (key, value, comment) triples in the framework's own keys


def _entries_for_trl(entries: list[str]) -> tuple[Any, str | None]:
    if len(entries) != 1:
        return entries, None
    regex = r"(.*\.)?" + re.escape(entries[0])
    return regex, (
        f"TRL turns a one-item list into a string and PEFT reads a string as a regex; this regex selects what "
        f"[{entries[0]}] means"
    )


def dialect_keys(dialect: str, options: dict[str, Any]) -> list[tuple[str, Any, str | None]]:
    """`options` (LoraConfig keyword arguments) as the dialect's keys, each with a comment or None."""
    o = options
    out: list[tuple[str, Any, str | None]] = []

    def add(key: str, option: str, comment: str | None = None) -> None:
        if option in o:
            out.append((key, o[option], comment))

    if dialect == "peft":
        scale = o["lora_alpha"] / o["r"] if o.get("r") else None
        comments = {
            "rank_pattern": "the FFN at its own rank (keys: regexes matched against the end of module names)",
            "alpha_pattern": f"the FFN keeps lora_alpha / r = {scale:g}, as the rest" if scale else None,
        }
        for option in (
            "base_model_name_or_path",
            "revision",
            "task_type",
            "r",
            "lora_alpha",
            "lora_dropout",
            "target_modules",
            "target_parameters",
            "rank_pattern",
            "alpha_pattern",
            "modules_to_save",
            "fan_in_fan_out",
        ):
            add(option, option, comments.get(option))
        return out
    if dialect == "axolotl":
        add("base_model", "base_model_name_or_path")
        add("revision_of_model", "revision")
        if o.get("task_type") in AXOLOTL_CLASSES:
            out.append(
                (
                    "model_type",
                    AXOLOTL_CLASSES[o["task_type"]],
                    f"axolotl loads this class: task type {o['task_type']}",
                )
            )
        out.append(("adapter", "lora", None))
        add("lora_r", "r")
        add("lora_alpha", "lora_alpha")
        add("lora_dropout", "lora_dropout")
        add("lora_target_modules", "target_modules")
        add("lora_target_parameters", "target_parameters")
        add("lora_modules_to_save", "modules_to_save")
        add("lora_fan_in_fan_out", "fan_in_fan_out")
        return out
    if dialect == "llamafactory":
        add("model_name_or_path", "base_model_name_or_path")
        add("model_revision", "revision")
        out.append(("stage", "sft", None))
        out.append(("do_train", True, None))
        out.append(("finetuning_type", "lora", None))
        add("lora_rank", "r")
        add("lora_alpha", "lora_alpha")
        add("lora_dropout", "lora_dropout")
        out.append(("lora_target", ",".join(o["target_modules"]), None))
        if "modules_to_save" in o:
            out.append(("additional_target", ",".join(o["modules_to_save"]), None))
        return out
    if dialect == "trl":
        add("model_name_or_path", "base_model_name_or_path")
        add("model_revision", "revision")
        out.append(("use_peft", True, None))
        out.append(("lora_task_type", o.get("task_type") or "CAUSAL_LM", None))
        add("lora_r", "r")
        add("lora_alpha", "lora_alpha")
        add("lora_dropout", "lora_dropout")
        targets, comment = _entries_for_trl(o["target_modules"])
        out.append(("lora_target_modules", targets, comment))
        add("lora_target_parameters", "target_parameters")
        add("lora_modules_to_save", "modules_to_save")
        return out
    raise SuggestError(f"unknown dialect {dialect!r}: one of {', '.join(DIALECTS)}")


def _yaml_value(key: str, value: Any) -> str:
    flow = isinstance(value, list) and all(isinstance(v, str) for v in value)
    text = yaml.safe_dump({key: value}, default_flow_style=True if flow else False, sort_keys=False, width=10_000)
    return text.strip().removeprefix("{").removesuffix("}") if flow else text.rstrip("\n")


def _comment(line: str) -> list[str]:
    """One header line as YAML comment lines, wrapped at the project's line length."""
    wrapped = textwrap.wrap(line, width=117, subsequent_indent="  ", break_on_hyphens=False, break_long_words=False)
    return [f"# {text}" for text in wrapped] or ["#"]


def render(keys: list[tuple[str, Any, str | None]], header: list[str], fmt: str, dialect: str = "peft") -> str:
    if fmt == "json":
        data = {key: value for key, value, _ in keys}
        if dialect == "peft":
            data = {"peft_type": "LORA", **data}  # as PEFT saves adapter_config.json
        return json.dumps(data, indent=2) + "\n"
    lines = [text for line in header for text in _comment(line)]
    for key, value, comment in keys:
        if comment:
            lines.append(f"# {comment}")
        lines.append(_yaml_value(key, value))
    return "\n".join(lines) + "\n"


def _header(request: Request, inv: Inventory, selection: Selection, plan_: _Plan, count: str | None) -> list[str]:
    ranks = sorted(set(plan_.ranks.values()), reverse=True)
    rank_text = f"r={ranks[0]}" if len(ranks) == 1 else f"r={request.r}, FFN r={request.ffn_r} (rank_pattern)"
    described = ", ".join(selection.describe(plan_.places))
    lines = [
        f"LoRA config for {inv.model_class} ({inv.model_type}), {LABELS[request.dialect]} keys, written by",
        f"`lora-lint suggest --preset {request.preset}` (lora-lint {__version__}; checked with `lora-lint`)",
        f"targets: {described}; {rank_text}",
    ]
    if count:
        lines.append(count)
    lines.extend(f"note: {note}" for note in plan_.notes)
    if request.dialect == "llamafactory":
        lines.append("add your dataset, template, output_dir and training arguments")
    return lines


def suggest(request: Request, provider: ModelProvider, cwd: Path | None = None) -> Suggestion:
    """The config text for `request`, read back and checked; raises SuggestError when it cannot be written."""
    cwd = cwd or Path.cwd()
    if request.dialect not in DIALECTS:
        raise SuggestError(f"unknown dialect {request.dialect!r}: one of {', '.join(DIALECTS)}")
    base = provider.model_for(request.model, request.revision, None, cwd)
    if base.inventory is None:
        raise SuggestError(f"cannot use model {request.model!r}: {base.message or base.reason}")
    task = choose_task(request, implied_task_type(base.inventory))
    outcome = provider.model_for(request.model, request.revision, task, cwd) if task else base
    if outcome.task_type_problem or outcome.inventory is None:
        why = outcome.task_type_problem or outcome.message
        raise SuggestError(
            f"{LABELS[request.dialect]} would train {base.inventory.model_class} as task type {task}, and {why}"
            + ("; use --dialect peft or trl" if DIALECT_TASKS[request.dialect] is not None else "")
        )
    inv = outcome.inventory
    selection = select(Anatomy(inv), request.preset)
    plan_ = plan(request, inv, selection, task)
    keys = dialect_keys(request.dialect, plan_.options)
    suffix = ".json" if request.fmt == "json" else ".yaml"
    draft = render(keys, _header(request, inv, selection, plan_, None), request.fmt, request.dialect)
    check = analyze_document(parse_text(draft, cwd / f"suggested{suffix}", request.fmt), provider)
    _verify(check, plan_, request)
    count = None
    if check.size is not None:
        size = check.size
        count = (
            f"trainable parameters: {size.trainable:,} = {size.percent_of_base:.4g}% of the base model's "
            f"{size.base_parameters:,} (as PEFT's get_nb_trainable_parameters() counts them)"
        )
        catalog = outcome.source.catalog if outcome.source is not None else None
        if catalog is not None and catalog.unknown_fields:
            count += f"; an estimate: {', '.join(catalog.unknown_fields)} not known offline"
    text = render(keys, _header(request, inv, selection, plan_, count), request.fmt, request.dialect)
    notes = list(plan_.notes)
    if request.fmt == "json" and count:
        notes.append(count)
    return Suggestion(text, {key: value for key, value, _ in keys}, inv, selection, check, notes)


def _verify(check: FileAnalysis, plan_: _Plan, request: Request) -> None:
    """The written config, read back as lora-lint reads it, must target exactly the plan at the planned ranks."""
    analysis = check.analysis
    problem = None
    if analysis is None:
        problem = check.problem
    elif analysis.failures:
        problem = f"PEFT would raise: {analysis.failures[0].message}"
    elif set(analysis.targeted_modules) != plan_.modules or set(analysis.targeted_parameters) != plan_.parameters:
        got = set(analysis.targeted_modules) | set(analysis.targeted_parameters)
        want = plan_.modules | plan_.parameters
        problem = f"it targets {sorted(got ^ want)[:4]} differently from the preset"
    else:
        options = check.spec.peft_options()
        wrong = [k for k, rank in plan_.ranks.items() if rank_and_alpha(options, analysis, k)[0] != rank]
        if wrong:
            problem = f"{wrong[0]} gets the wrong rank"
    if problem is not None:
        raise RuntimeError(f"lora-lint suggest wrote a {request.dialect} config it cannot stand behind: {problem}")
