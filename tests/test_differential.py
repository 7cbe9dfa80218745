"""Differential test: lora-lint against real PEFT, on real models built on the meta device.

For 18 architectures (the 14 the issue names, plus falcon, qwen3, distilbert and roberta), a seeded
generator writes adapter configs from each model's own names: real names, typos, names from other
architectures, containers and norms, regexes, `all-linear` in both forms, comma strings, layer
selections, exclusions, modules_to_save, rank patterns, long full-name lists, MoE expert names and
target_parameters. For each config:

* lora-lint says PEFT will raise exactly when `get_peft_model` (or `LoraConfig`) raises, and then
  reports at least one error; when PEFT accepts the config, lora-lint's only errors are the
  silent-drop rules (an entry that matches nothing is an error although PEFT does not raise);
* otherwise the modules and parameters lora-lint says will be targeted equal PEFT's
  `targeted_module_names` / `targeted_parameter_names`;
* every list entry that matches no module by PEFT's own `check_target_module_exists` is reported
  on its own line (LL301, or LL303 for `all-linear`), and no entry that matches is.
"""

from __future__ import annotations

import copy
import functools
import json
import random
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
from peft import LoraConfig, get_peft_model
from peft.tuners.tuners_utils import check_target_module_exists
from peft.utils.transformers_weight_conversion import _MOE_TARGET_MODULE_MAPPING

from linter.diagnostics import Level
from linter.discover import Candidate
from linter.engine import Linter
from linter.models.provider import ModelProvider
from tests.support import FIXTURE_MODELS, build_transformers_model, load_model_config, write_json

#: architecture -> task type its configs use (None: the class named by `architectures`)
ARCHITECTURES = {
    "llama": "CAUSAL_LM",
    "mistral": "CAUSAL_LM",
    "qwen2": "CAUSAL_LM",
    "qwen3": "CAUSAL_LM",
    "gemma2": "CAUSAL_LM",
    "phi": "CAUSAL_LM",
    "phi3": "CAUSAL_LM",
    "gpt2": "CAUSAL_LM",
    "gpt_neox": "CAUSAL_LM",
    "bloom": "CAUSAL_LM",
    "falcon": "CAUSAL_LM",
    "opt": "CAUSAL_LM",
    "mpt": "CAUSAL_LM",
    "t5": "SEQ_2_SEQ_LM",
    "bert": "SEQ_CLS",
    "roberta": "SEQ_CLS",
    "distilbert": "SEQ_CLS",
    "mixtral": "CAUSAL_LM",
    "qwen3_moe": "CAUSAL_LM",
}
CONFIGS_PER_ARCH = 50
#: error codes for entries PEFT drops without raising (an error by design: the config does not do
#: what it says); any other error-level finding means PEFT refuses the config
SILENT_DROP_CODES = {"LL301", "LL302", "LL303", "LL304", "LL306", "LL307", "LL312", "LL313"}
AUTO_CLASS = {
    "CAUSAL_LM": "AutoModelForCausalLM",
    "SEQ_2_SEQ_LM": "AutoModelForSeq2SeqLM",
    "SEQ_CLS": "AutoModelForSequenceClassification",
}
FOREIGN = [
    "q_proj",
    "v_proj",
    "c_attn",
    "query_key_value",
    "qkv_proj",
    "Wqkv",
    "q",
    "query",
    "w1",
    "w2",
    "w3",
    "gate_proj",
    "down_proj",
    "fc1",
    "dense",
    "out_proj",
    "wo",
]


def _names(model: Any) -> dict[str, list[str]]:
    """Pools of names taken from the real model, by what they are."""
    from transformers.pytorch_utils import Conv1D

    pools: dict[str, dict[str, None]] = {k: {} for k in ("wrappable", "container", "norm", "lists", "params")}
    for name, module in model.named_modules():
        if not name:
            continue
        leaf = name.rsplit(".", 1)[-1]
        if isinstance(module, (torch.nn.Linear, Conv1D, torch.nn.Embedding)):
            pools["wrappable"][leaf] = None
        elif isinstance(module, torch.nn.ModuleList):
            pools["lists"][leaf] = None
        elif "Norm" in type(module).__name__:
            pools["norm"][leaf] = None
        elif any(True for _ in module.children()) and not leaf.isdigit():
            pools["container"][leaf] = None
        for pname, param in module.named_parameters(recurse=False):
            if param.dim() == 3:
                pools["params"][f"{leaf}.{pname}"] = None
    return {k: list(v) for k, v in pools.items()}


def _typo(rng: random.Random, name: str) -> str:
    if len(name) < 3:
        return name + "x"
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1 :]


def generate(arch: str, task: str | None, model: Any, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    pools = _names(model)
    real, containers = pools["wrappable"], pools["container"] + pools["norm"]
    foreign = [n for n in FOREIGN if n not in real]
    lists = pools["lists"] or ["layers"]
    full = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
    out: list[dict[str, Any]] = []

    def pick(pool: list[str], k: int) -> list[str]:
        return rng.sample(pool, min(k, len(pool))) if pool else []

    shapes = [
        lambda: {"target_modules": pick(real, rng.randint(1, 3))},
        lambda: {"target_modules": pick(real, 1) + [_typo(rng, rng.choice(real))]},
        lambda: {"target_modules": pick(foreign, 2)},
        lambda: {"target_modules": pick(real, 1) + pick(foreign, 1)},
        lambda: {"target_modules": pick(real, 1) + pick(containers, 1)},
        lambda: {"target_modules": pick(containers, 1)},
        lambda: {"target_modules": r".*\.(" + "|".join(pick(real, 2)) + ")"},
        lambda: {"target_modules": r".*\.nothing_here"},
        lambda: {"target_modules": rng.choice(real)},
        lambda: {"target_modules": "all-linear"},
        lambda: {"target_modules": ["all-linear"]},
        lambda: {"target_modules": ",".join(pick(real, 2))},
        lambda: {
            "target_modules": pick(real, 2),
            "layers_to_transform": rng.choice([[0], [1], 0, [7], [0, 9]]),
        },
        lambda: {
            "target_modules": pick(real, 2),
            "layers_to_transform": [0],
            "layers_pattern": rng.choice(lists + ["h", "blocks", "decoder.block"]),
        },
        lambda: {"target_modules": pick(real, 2) + ["lm_head"], "layers_to_transform": [1]},
        lambda: {
            "target_modules": pick(real, 2),
            "modules_to_save": pick(real + ["lm_head", "score", "lm_haed"], 1),
        },
        lambda: {"target_modules": pick(real, 2), "exclude_modules": pick(real + ["nothing"], 1)},
        lambda: {"target_modules": None},
        lambda: {"target_modules": ["w1", "w2", "w3"][: rng.randint(1, 3)]},
        lambda: {"target_modules": ["gate_proj", "up_proj", "down_proj"][: rng.randint(1, 3)] + pick(real, 1)},
        lambda: {"target_modules": [], "target_parameters": pick(pools["params"] + ["experts.bogus"], 1)},
        lambda: {"target_modules": pick(real, 1), "target_parameters": pick(pools["params"], 1)},
        lambda: {"target_modules": pick(real, 2), "rank_pattern": {rng.choice(real + ["nothing"]): 4}},
        lambda: {"target_modules": rng.sample(full, min(len(full), 22)) + [_typo(rng, rng.choice(real))]},
        lambda: {"target_modules": "all-linear", "exclude_modules": pick(real, 1)},
        lambda: {"target_modules": pick(real, 2), "modules_to_save": pick(lists, 1)},
        lambda: {"target_modules": [rng.choice(real)[-4:], rng.choice(real)[1:]]},
        lambda: {"target_modules": [".".join(rng.choice(full).split(".")[-k:]) for k in (2, 3, 4)]},
        lambda: {"target_modules": [rng.choice(full)], "layers_to_transform": [0]},
        lambda: {"target_modules": [".*" + rng.choice(real)]},
    ]
    for i in range(CONFIGS_PER_ARCH):
        config = shapes[i % len(shapes)]() if i < len(shapes) else rng.choice(shapes)()
        config.update(r=8, lora_alpha=16)
        if task is not None and rng.random() < 0.9:
            config["task_type"] = task
        if config.get("target_parameters"):
            config["lora_dropout"] = 0.0
        out.append(config)
    return out


def peft_outcome(model_factory: Any, options: dict[str, Any]) -> tuple[str | None, list[str], list[str]]:
    model = model_factory()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = LoraConfig(**copy.deepcopy(options))
            peft_model = get_peft_model(model, config)
    except Exception as exc:  # noqa: BLE001 - any exception is PEFT refusing the config
        return f"{type(exc).__name__}: {exc}"[:300], [], []
    tuner = peft_model.base_model
    return None, list(tuner.targeted_module_names), list(tuner.targeted_parameter_names)


def unmatched_by_peft(model: Any, entries: list[str], model_type: str) -> set[str]:
    """List entries that PEFT's own matcher finds no module for (converted MoE names excepted)."""
    from peft.utils.transformers_weight_conversion import _MODEL_TO_CONVERSION_PATTERN

    family = _MODEL_TO_CONVERSION_PATTERN.get(model_type)
    converted = set(_MOE_TARGET_MODULE_MAPPING.get(family, {}))
    keys = [k for k, _ in model.named_modules() if k]
    missing = set()
    for entry in entries:
        if entry in converted:
            continue
        probe = LoraConfig(target_modules=[entry])
        if not any(check_target_module_exists(probe, key) for key in keys):
            missing.add(entry)
    return missing


def _line_of_entry(text: str, index: int) -> int:
    """Line of the `index`-th entry of the target_modules list in a json.dumps(indent=2) file."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith('"target_modules": ['))
    return start + 2 + index


@pytest.fixture(scope="module")
def provider() -> ModelProvider:
    return ModelProvider(offline=True)


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_lint_agrees_with_peft(arch: str, tmp_path: Path, provider: ModelProvider) -> None:
    task = ARCHITECTURES[arch]
    config_dict = load_model_config(arch)
    linter = Linter(provider)
    seed = sum(map(ord, arch))
    reference = build_transformers_model(config_dict, AUTO_CLASS.get(task, config_dict["architectures"][0]))
    configs = generate(arch, task, reference, seed)
    problems = []
    raised = 0
    for n, options in enumerate(configs):
        options = {k: v for k, v in options.items() if not (k == "target_modules" and v is None)}
        class_name = AUTO_CLASS.get(options.get("task_type"), config_dict["architectures"][0])
        factory = functools.partial(build_transformers_model, config_dict, class_name)
        error, modules, params = peft_outcome(factory, options)
        raised += error is not None
        path = write_json(
            tmp_path / f"c{n}" / "adapter_config.json",
            {"base_model_name_or_path": str(FIXTURE_MODELS / arch), **options},
        )
        result = Linter.lint(linter, Candidate(path, True))
        assert result is not None and result.model.get("model_class"), result.model
        says_raise = result.peft_error is not None or any(d.code == "LL103" for d in result.diagnostics)
        errors = [d for d in result.diagnostics if d.level is Level.ERROR]
        label = f"{arch} config {n} {json.dumps(options)}"
        if says_raise != (error is not None):
            problems.append(f"{label}: PEFT raised={error!r}, lora-lint peft_error={result.peft_error!r}")
            continue
        if error is not None:
            if not errors:
                problems.append(f"{label}: PEFT raised {error!r} but lora-lint reports no error")
            continue
        # PEFT accepted the config: the only errors allowed are the ones for what it drops silently
        hard = sorted({d.code for d in errors} - SILENT_DROP_CODES)
        if hard:
            problems.append(f"{label}: PEFT accepted it but lora-lint reports {hard}")
        if sorted(modules) != sorted(result.targeted_modules):
            diff = set(modules) ^ set(result.targeted_modules)
            problems.append(f"{label}: targeted modules differ: {sorted(diff)[:6]}")
        if sorted(params) != sorted(result.targeted_parameters):
            problems.append(f"{label}: targeted parameters differ: {params} vs {result.targeted_parameters}")
        targets = options.get("target_modules")
        if isinstance(targets, list):
            text = path.read_text()
            missing = unmatched_by_peft(factory(), targets, config_dict["model_type"])
            flagged = {d.span.line for d in result.diagnostics if d.code in ("LL301", "LL303")}
            for index, entry in enumerate(targets):
                line = _line_of_entry(text, index)
                if (entry in missing) != (line in flagged):
                    problems.append(
                        f"{label}: entry {entry!r} unmatched={entry in missing}, reported={line in flagged}"
                    )
    assert not problems, "\n".join(problems)
    # the generator must exercise both outcomes on every architecture
    assert 0 < raised < len(configs), f"{arch}: {raised} of {len(configs)} configs raised"
