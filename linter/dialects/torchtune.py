"""The torchtune dialect: an OmegaConf recipe config whose `model:` names a LoRA builder by `_component_`.

torchtune does not use PEFT to train. Its LoRA builders (`torchtune.models.<family>.lora_<size>`,
`qlora_<size>`) put LoRA on the attention projections listed in `model.lora_attn_modules`
(torchtune's names: q_proj, k_proj, v_proj, output_proj), on the MLP (w1, w2, w3) when
`apply_lora_to_mlp` is true and on the output layer when `apply_lora_to_output` is true. The spec
holds the names torchtune writes into the `adapter_config.json` it exports (`_TO_PEFT_TARGET_MODULES`:
output_proj -> o_proj, w1/w2/w3 -> gate_proj/down_proj/up_proj, output -> lm_head), so every model
check runs against the Hugging Face model the builder stands for. Each name points at the entry or
switch that produced it.

The builder facts (Hugging Face model, tied embeddings, fused layers, task type) are data, in
`linter/data/torchtune_builders.json`. A local `checkpointer.checkpoint_dir` holding a config.json
is preferred to the builder's Hub id: it is the checkpoint torchtune will load.

torchtune checks little itself: an entry outside its four names is skipped silently (and fails only
when the adapter is saved), so those entries are reported and left out of the targets.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from linter.diagnostics import Level, Pointer, Replacement
from linter.document import Document
from linter.names import close_names
from linter.spec import AdapterSpec, Field, Pitfall

NAME = "torchtune"
LABEL = "torchtune"
SCHEMA = "torchtune-lora.schema.json"

#: torchtune's LORA_ATTN_MODULES (torchtune/modules/peft/_utils.py)
ATTN_MODULES = ("q_proj", "k_proj", "v_proj", "output_proj")
#: torchtune's MLP layers, in the order get_lora_module_names appends them
MLP_MODULES = ("w1", "w2", "w3")
#: builder defaults shared by every torchtune LoRA builder
DEFAULT_RANK = 8
DEFAULT_ALPHA = 16

MODEL: Pointer = ("model",)
COMPONENT: Pointer = ("model", "_component_")
ATTN: Pointer = ("model", "lora_attn_modules")
MLP: Pointer = ("model", "apply_lora_to_mlp")
OUTPUT: Pointer = ("model", "apply_lora_to_output")
CHECKPOINT_DIR: Pointer = ("checkpointer", "checkpoint_dir")

#: Hugging Face / other names users write in lora_attn_modules, and what torchtune wants instead
_MLP_NAMES = frozenset({"gate_proj", "up_proj", "down_proj", "gate_up_proj", "w1", "w2", "w3", "mlp", "fc1", "fc2"})
_OUTPUT_NAMES = frozenset({"lm_head", "output"})
_ATTN_ALIASES = {"o_proj": "output_proj", "out_proj": "output_proj", "dense": "output_proj", "wo": "output_proj"}
_FUSED_QKV = frozenset({"qkv_proj", "c_attn", "query_key_value", "W_pack", "Wqkv"})
#: heads PEFT's SEQ_CLS task adds to modules_to_save itself
_SEQ_CLS_HEADS = frozenset({"score", "classifier"})
_INTERPOLATION = re.compile(r"^\$\{([A-Za-z_][\w.]*)\}$")


@cache
def builder_table() -> dict[str, Any]:
    """The builder facts shipped in linter/data/torchtune_builders.json."""
    text = (resources.files("linter.data") / "torchtune_builders.json").read_text(encoding="utf-8")
    return json.loads(text)


def _is_torchtune_component(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("torchtune.")


def detect(data: dict) -> bool:
    """A `_component_` naming a torchtune object, at the top level or in a top-level mapping, or a
    `model` with a `_component_` of any kind beside torchtune's LoRA builder arguments."""
    if _is_torchtune_component(data.get("_component_")):
        return True
    if any(isinstance(v, dict) and _is_torchtune_component(v.get("_component_")) for v in data.values()):
        return True
    # a recipe whose model builder is mistyped (a list, a number) still has torchtune's LoRA arguments
    model = data.get("model")
    return (
        isinstance(model, dict) and "_component_" in model and ("lora_attn_modules" in model or "lora_rank" in model)
    )


def normalise_builder(path: str) -> str:
    """`torchtune.models.llama3_2._model_builders.lora_llama3_2_1b` -> the public dotted path."""
    parts = [p for p in path.strip().split(".") if p not in ("_model_builders", "_component_builders")]
    return ".".join(parts)


def _lookup(data: dict, dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _value(data: dict, value: Any) -> Any:
    """A value with OmegaConf's plain `${a.b}` interpolations followed (a few hops); others stay as is."""
    for _ in range(5):
        match = _INTERPOLATION.match(value) if isinstance(value, str) else None
        if match is None:
            return value
        value = _lookup(data, match.group(1))
    return value


def _truthy(value: Any) -> bool:
    return bool(value)  # the builders test `if apply_lora_to_mlp:`


class _Builder:
    """What lora-lint knows about the `model._component_` builder."""

    def __init__(self, component: Any, model: dict):
        self.component = component if isinstance(component, str) else None
        self.path = normalise_builder(component) if isinstance(component, str) else ""
        self.function = self.path.rsplit(".", 1)[-1]
        table = builder_table()
        self.facts: dict[str, Any] | None = table["builders"].get(self.path)
        #: torchtune's own builders say LoRA in their name; a project's own builder is taken for a
        #: LoRA builder when it is given LoRA arguments
        self.is_torchtune = self.path.startswith("torchtune.")
        if self.is_torchtune:
            self.is_lora = self.function.startswith(("lora_", "qlora_"))
        else:
            self.is_lora = bool(_lora_keys(model))
        self.unmapped = next(
            (why for prefix, why in table["unmapped"]["prefixes"].items() if self.path.startswith(prefix)), None
        )

    @property
    def hf_model(self) -> str | None:
        return self.facts["hf_model"] if self.facts else None

    @property
    def task_type(self) -> str:
        return self.facts.get("task_type", "CAUSAL_LM") if self.facts else "CAUSAL_LM"

    @property
    def tied(self) -> bool:
        return bool(self.facts and self.facts.get("tie_word_embeddings"))

    @property
    def takes_output_switch(self) -> bool:
        return not self.facts or self.facts.get("apply_lora_to_output", True)

    def peft_name(self, torchtune_name: str) -> str:
        table = builder_table()
        name_map = table["name_maps"].get(self.facts.get("name_map"), {}) if self.facts else {}
        return name_map.get("map", {}).get(torchtune_name) or table["peft_names"]["map"][torchtune_name]

    def lora_builder(self) -> str | None:
        """The LoRA builder of the same model, for a full-model builder."""
        if "." not in self.path:
            return None
        module, function = self.path.rsplit(".", 1)
        candidate = f"{module}.lora_{function}"
        return candidate if candidate in builder_table()["builders"] else None

    def unresolved_reason(self) -> str:
        if self.unmapped:
            return f"`{self.component}` is {self.unmapped}"
        if self.component is None:
            return "model._component_ names no builder"
        return f"`{self.component}` is not among the torchtune builders lora-lint knows"


def local_checkpoint_dir(data: dict, doc: Document) -> str | None:
    """`checkpointer.checkpoint_dir` when it is a local directory with a config.json (an HF checkpoint)."""
    checkpointer = data.get("checkpointer")
    if not isinstance(checkpointer, dict):
        return None
    directory = _value(data, checkpointer.get("checkpoint_dir"))
    if not isinstance(directory, str) or not directory.strip() or "${" in directory or "<" in directory:
        return None
    path = Path(directory).expanduser()
    bases = [Path(os.getcwd()), Path(doc.path).resolve().parent]
    for candidate in [path] if path.is_absolute() else [base / path for base in bases]:
        try:
            if (candidate / "config.json").is_file():
                return directory
        except OSError:
            continue
    return None


def _lora_keys(model: dict) -> list[str]:
    return [
        k
        for k in model
        if isinstance(k, str) and (k.startswith(("lora_", "apply_lora_")) or k in ("use_dora", "quantize_base"))
    ]


def to_spec(doc: Document) -> AdapterSpec:
    data: dict[str, Any] = doc.data
    spec = AdapterSpec(NAME, schema=SCHEMA, strict_keys=False)
    model = data.get("model")
    if not isinstance(model, dict):
        spec.enabled = False  # a torchtune config without a model builder (a dataset or eval config)
        return spec
    builder = _Builder(model.get("_component_"), model)
    if not builder.is_lora:
        spec.enabled = False
        _full_builder_pitfall(spec, model, builder)
        return spec
    fields = spec.fields
    fields["base_model_name_or_path"] = _model_ref(data, doc, builder)
    if builder.facts is None:
        spec.model_problem = builder.unresolved_reason()
    task = builder.task_type
    fields["task_type"] = Field(task, COMPONENT if task != "CAUSAL_LM" else None)
    _targets(spec, data, model, builder)
    for key, option, default in (("lora_rank", "r", DEFAULT_RANK), ("lora_alpha", "lora_alpha", DEFAULT_ALPHA)):
        if key in model:
            value = _value(data, model[key])
            if value is not None and not (isinstance(value, str) and value.startswith("${")):
                fields[option] = Field(value, ("model", key))
        else:
            fields[option] = Field(default, COMPONENT)  # the builder's default
    for key in ("lora_dropout", "use_dora"):
        value = _value(data, model.get(key))
        if value is not None and not (isinstance(value, str) and value.startswith("${")):
            fields[key] = Field(value, ("model", key))
    fields["bias"] = Field("none", None)
    return spec


def _model_ref(data: dict, doc: Document, builder: _Builder) -> Field:
    """The Hugging Face model the builder stands for: the local checkpoint, else the builder's Hub id."""
    if builder.facts is None:
        return Field(None, COMPONENT)  # unresolved: LL201 says so, the other checks run
    local = local_checkpoint_dir(data, doc)
    if local is not None:
        return Field(local, CHECKPOINT_DIR)
    return Field(builder.hf_model, COMPONENT)


def _targets(spec: AdapterSpec, data: dict, model: dict, builder: _Builder) -> None:
    """target_modules in the names of the adapter_config.json torchtune would write, with their sources."""
    names: list[str] = []
    pointers: list[Pointer] = []

    def add(torchtune_name: str, pointer: Pointer) -> None:
        name = builder.peft_name(torchtune_name)
        if name not in names:
            names.append(name)
            pointers.append(pointer)

    mlp_on = _truthy(_value(data, model.get("apply_lora_to_mlp", False)))
    output_on = _truthy(_value(data, model.get("apply_lora_to_output", False)))
    attn = _value(data, model.get("lora_attn_modules"))
    skipped = 0
    if "lora_attn_modules" not in model:
        spec.enabled = False  # torchtune cannot build the model: nothing else to check
        spec.pitfalls.append(
            Pitfall(
                "framework-rejects-config",
                f"`{builder.component}` needs lora_attn_modules: torchtune stops with "
                "`missing a required argument: 'lora_attn_modules'`",
                COMPONENT,
                hint="add lora_attn_modules: [q_proj, v_proj, output_proj]",
            )
        )
    elif isinstance(attn, list):
        if not attn:
            spec.enabled = False
            spec.pitfalls.append(_empty_attn_pitfall())
        for index, entry in enumerate(attn):
            if isinstance(entry, str) and entry in ATTN_MODULES:
                add(entry, ATTN + (index,))
            else:
                skipped += 1
                pitfall = _module_name_pitfall(entry, ATTN + (index,), builder, mlp_on, output_on, attn)
                spec.pitfalls.append(pitfall)
    elif isinstance(attn, str):
        # the builders test `"q_proj" in lora_modules`: on a string that is a substring test
        for name in ATTN_MODULES:
            if name in attn:
                add(name, ATTN)
    elif not attn:
        spec.enabled = False
        spec.pitfalls.append(_empty_attn_pitfall())
    if mlp_on:
        for name in MLP_MODULES:
            add(name, MLP)
    if "apply_lora_to_output" in model and not builder.takes_output_switch:
        spec.pitfalls.append(_no_output_switch_pitfall(builder, output_on))
    elif output_on and builder.tied:
        spec.pitfalls.append(
            Pitfall(
                "torchtune-output-on-tied-model",
                f"`{builder.component}` ties its output layer to the token embedding, so there is no "
                "output layer to put LoRA on: the builder raises `apply_lora_to_output is incompatible "
                "with tie_word_embeddings`",
                OUTPUT,
                hint="set apply_lora_to_output: false",
                fix_suggestions=("false",),
            )
        )
    elif output_on and builder.peft_name("output") in _SEQ_CLS_HEADS and builder.task_type == "SEQ_CLS":
        pass  # PEFT's SEQ_CLS saves the score head in full by itself; a LoRA target there would clash
    elif output_on:
        add("output", OUTPUT)
    if skipped and not names and spec.enabled:
        spec.pitfalls.append(
            Pitfall(
                "no-lora-targets",
                "torchtune skips every entry of lora_attn_modules, and no MLP or output layer gets LoRA "
                "either: the model is built without a single LoRA layer and the recipe has nothing to train",
                ATTN,
                hint="list torchtune's names: q_proj, k_proj, v_proj, output_proj",
            )
        )
    spec.fields["target_modules"] = Field(names, ATTN if "lora_attn_modules" in model else COMPONENT, tuple(pointers))


def _empty_attn_pitfall() -> Pitfall:
    return Pitfall(
        "framework-rejects-config",
        "lora_attn_modules is empty: torchtune's builder raises `Must pass one or more of "
        "['q_proj', 'k_proj', 'v_proj', 'output_proj'] as lora_modules`",
        ATTN,
        hint="list at least one of q_proj, k_proj, v_proj, output_proj",
        fix_suggestions=("[q_proj, v_proj, output_proj]",),
    )


def _no_output_switch_pitfall(builder: _Builder, output_on: bool) -> Pitfall:
    why = "ties its output layer to the token embedding and has"
    if output_on:
        return Pitfall(
            "torchtune-output-on-tied-model",
            f"`{builder.component}` {why} no apply_lora_to_output argument: torchtune stops with "
            "`unexpected keyword argument 'apply_lora_to_output'`",
            OUTPUT,
            on_key=True,
            hint="remove apply_lora_to_output (this model's output layer is its embedding)",
        )
    return Pitfall(
        "framework-rejects-config",
        f"`{builder.component}` {why} no apply_lora_to_output argument: torchtune stops with "
        "`unexpected keyword argument 'apply_lora_to_output'`, even for false",
        OUTPUT,
        on_key=True,
        hint="remove apply_lora_to_output",
    )


def _module_name_pitfall(
    entry: Any, pointer: Pointer, builder: _Builder, mlp_on: bool, output_on: bool, listed: list
) -> Pitfall:
    """Why torchtune skips this lora_attn_modules entry, and what to write instead.

    A rename with one clear answer (`o_proj` -> `output_proj`, `'q_proj'` -> `q_proj`) is a safe
    fix, unless the list already holds the answer (then the entry is a duplicate to delete).
    """

    def rename(name: str) -> Replacement | None:
        return None if name in listed else Replacement(entry, name, f"Replace `{entry}` with `{name}`")

    skipped = "torchtune skips it without a word, trains without it, and fails only when it saves the adapter"
    if not isinstance(entry, str):
        return Pitfall(
            "torchtune-module-name",
            f"entry {entry!r} of lora_attn_modules is not a module name: {skipped}",
            pointer,
            hint="write one of q_proj, k_proj, v_proj, output_proj",
        )
    bare = entry.strip().strip("'\"").strip()
    if bare in ATTN_MODULES:
        return Pitfall(
            "torchtune-module-name",
            f"`{entry}` is not `{bare}`: torchtune compares the names exactly (quotes or spaces from a "
            f"command-line override, torchtune#1486); {skipped}",
            pointer,
            hint=f"write {bare}",
            fix_suggestions=(bare,),
            fix=rename(bare),
        )
    if bare in _ATTN_ALIASES:
        name = _ATTN_ALIASES[bare]
        return Pitfall(
            "torchtune-module-name",
            f"`{bare}` is not a torchtune name: torchtune calls the attention output projection "
            f"`{name}`; {skipped} (`Unknown target module {bare}`)",
            pointer,
            hint=f"write {name}",
            fix_suggestions=(name,),
            fix=rename(name),
        )
    if bare in _MLP_NAMES:
        done = "apply_lora_to_mlp is already on and covers it" if mlp_on else "set apply_lora_to_mlp: true"
        return Pitfall(
            "torchtune-module-name",
            f"`{bare}` is an MLP layer, and lora_attn_modules takes only attention layers: {skipped} "
            f"(`Unknown target module {bare}`); torchtune's MLP switch is apply_lora_to_mlp (w1, w2, w3: "
            "gate_proj, down_proj, up_proj)",
            pointer,
            hint=f"remove `{bare}`; {done}",
            fix_suggestions=() if mlp_on else ("apply_lora_to_mlp: true",),
        )
    if bare in _OUTPUT_NAMES:
        if builder.tied:
            hint = f"remove `{bare}`: this model ties its output layer to the embedding, LoRA cannot go there"
            fixes: tuple[str, ...] = ()
        elif output_on:
            hint, fixes = f"remove `{bare}`; apply_lora_to_output is already on", ()
        else:
            hint, fixes = f"remove `{bare}` and set apply_lora_to_output: true", ("apply_lora_to_output: true",)
        return Pitfall(
            "torchtune-module-name",
            f"`{bare}` is the output layer, and lora_attn_modules takes only attention layers: {skipped} "
            f"(`Unknown target module {bare}`); torchtune's switch for it is apply_lora_to_output",
            pointer,
            hint=hint,
            fix_suggestions=fixes,
        )
    if bare in _FUSED_QKV:
        return Pitfall(
            "torchtune-module-name",
            f"`{bare}` is a fused query/key/value layer, which torchtune splits into q_proj, k_proj and "
            f"v_proj: {skipped} (`Unknown target module {bare}`)",
            pointer,
            hint="write q_proj, k_proj, v_proj",
            fix_suggestions=("q_proj", "k_proj", "v_proj"),
        )
    close = close_names(bare, ATTN_MODULES, n=1)
    return Pitfall(
        "torchtune-module-name",
        f"`{entry}` is not one of torchtune's attention layers (q_proj, k_proj, v_proj, output_proj): "
        f"{skipped} (`Unknown target module {entry}`)",
        pointer,
        hint=f"did you mean {close[0]}?" if close else "write one of q_proj, k_proj, v_proj, output_proj",
        fix_suggestions=tuple(close),
    )


def _full_builder_pitfall(spec: AdapterSpec, model: dict, builder: _Builder) -> None:
    """LoRA arguments given to a builder that builds the whole model: LoRA is off, and they are refused."""
    keys = _lora_keys(model)
    if not keys or not builder.is_torchtune:
        return
    lora = builder.lora_builder()
    shown = ", ".join(f"`{k}`" for k in keys[:4]) + (" ..." if len(keys) > 4 else "")
    spec.pitfalls.append(
        Pitfall(
            "inert-lora-settings",
            f"`{builder.component}` builds the full model, so there is no LoRA (every weight trains) and "
            f"{shown} do nothing: the builder has no such arguments and torchtune stops with "
            "`unexpected keyword argument`",
            ("model", keys[0]),
            on_key=True,
            hint=f"use the LoRA builder `{lora}`" if lora else "use a lora_* builder, or remove the LoRA keys",
            level=Level.ERROR,
        )
    )
