"""The lora-lint benchmark: side-by-side timings and peak memory, printed as ratios against targets.

    python bench/run.py                      # the full benchmark (about 8 minutes on 2 cores)
    python bench/run.py --tiny --runs 2      # a few seconds' worth, as the test suite runs it

It generates a corpus of adapter configs over 10 architectures at their real sizes (config.json files
only, taken from ../shared/reference/model-catalog.json when it is there, else from the built-in
table below), including a Llama-3.1-405B-sized and a DeepSeek-V3-sized model, then measures each
command in its own process, the median of `--runs` runs, wall-clock time and peak RSS:

1. warm lint (caches filled) vs check-jsonschema on the same files with schemas/peft-lora.schema.json;
2. cold lint (empty cache) vs the floor: importing torch and transformers and building each distinct
   architecture once on the meta device;
3. lora-lint vs what a user does by hand today: per config, build the model on the meta device and
   call PEFT's get_peft_model;
4. peak memory of warm and cold lint;
5. scaling: warm lint of many more configs, per-file time at the largest size vs the middle one.

Every ratio is computed from the measured medians, which are printed and written to
`--out`/results.json with each individual run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CATALOG = ROOT.parent / "shared" / "reference" / "model-catalog.json"

#: name -> (catalog id, task type, architectures, extra config keys the catalog does not carry)
ARCHITECTURES: dict[str, tuple[str, str, list[str], dict[str, Any]]] = {
    "llama-405b": ("meta-llama/Llama-3.1-405B", "CAUSAL_LM", ["LlamaForCausalLM"], {}),
    "deepseek-v3": ("deepseek-ai/DeepSeek-V3", "CAUSAL_LM", ["DeepseekV3ForCausalLM"], {}),
    "mixtral-8x7b": ("mistralai/Mixtral-8x7B-v0.1", "CAUSAL_LM", ["MixtralForCausalLM"], {}),
    "mistral-7b": ("mistralai/Mistral-7B-v0.1", "CAUSAL_LM", ["MistralForCausalLM"], {}),
    "qwen2.5-7b": ("Qwen/Qwen2.5-7B", "CAUSAL_LM", ["Qwen2ForCausalLM"], {}),
    "qwen3-30b-a3b": ("Qwen/Qwen3-30B-A3B", "CAUSAL_LM", ["Qwen3MoeForCausalLM"], {}),
    "gemma2-9b": ("google/gemma-2-9b", "CAUSAL_LM", ["Gemma2ForCausalLM"], {}),
    "phi3-mini": ("microsoft/Phi-3-mini-4k-instruct", "CAUSAL_LM", ["Phi3ForCausalLM"], {"pad_token_id": 32000}),
    "gpt2": ("openai-community/gpt2", "CAUSAL_LM", ["GPT2LMHeadModel"], {}),
    "bert-base": ("google-bert/bert-base-uncased", "SEQ_CLS", ["BertForSequenceClassification"], {}),
}

#: target lists per architecture family: real names (some with a typo, as real configs have)
TARGETS = {
    "llama-405b": [["q_proj", "v_proj"], ["q_proj", "k_proj", "v_proj", "o_proj"], ["q_proj", "v_prj"]],
    "deepseek-v3": [["q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj"], ["o_proj"], ["q_proj", "o_proj"]],
    "mixtral-8x7b": [["q_proj", "v_proj"], ["q_proj", "k_proj", "v_proj", "o_proj"], ["q_proj", "w1", "w2", "w3"]],
    "mistral-7b": [["q_proj", "v_proj"], ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj"], ["q_prj"]],
    "qwen2.5-7b": [["q_proj", "v_proj"], ["q_proj", "k_proj", "v_proj", "o_proj"], ["c_attn"]],
    "qwen3-30b-a3b": [["q_proj", "v_proj"], ["q_proj", "k_proj", "v_proj", "o_proj"], ["q_proj", "o_prj"]],
    "gemma2-9b": [["q_proj", "v_proj"], ["q_proj", "k_proj", "v_proj", "o_proj", "down_proj"], ["query"]],
    "phi3-mini": [["qkv_proj"], ["qkv_proj", "o_proj"], ["q_proj", "v_proj", "qkv_proj"]],
    "gpt2": [["c_attn"], ["c_attn", "c_proj"], ["c_attn", "q_proj"]],
    "bert-base": [["query", "value"], ["query", "key", "value"], ["query", "vaule"]],
}

#: small stand-ins for --tiny (and when the catalog is not beside the repo)
TINY_CONFIGS = {
    "llama-405b": {
        "model_type": "llama",
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "vocab_size": 128,
    },
    "gpt2": {
        "model_type": "gpt2",
        "n_embd": 64,
        "n_layer": 2,
        "n_head": 4,
        "vocab_size": 128,
        "n_positions": 64,
        "bos_token_id": 0,
        "eos_token_id": 0,
    },
}

LINT = [sys.executable, "-m", "linter"]


def model_config(name: str, tiny: bool) -> dict[str, Any]:
    catalog_id, _, architectures, extra = ARCHITECTURES[name]
    if tiny:
        config = dict(TINY_CONFIGS[name])
    else:
        catalog = json.loads(CATALOG.read_text())
        config = dict(catalog[catalog_id]["config"])
    config.setdefault("architectures", architectures)
    config.update(extra)
    return config


def generate(root: Path, count: int, tiny: bool) -> list[Path]:
    """`count` adapter configs spread over the architectures, with their model directories."""
    names = list(TINY_CONFIGS) if tiny else list(ARCHITECTURES)
    for name in names:
        model = root / "models" / name
        model.mkdir(parents=True, exist_ok=True)
        (model / "config.json").write_text(json.dumps(model_config(name, tiny), indent=2))
    files = []
    for index in range(count):
        name = names[index % len(names)]
        _, task, _, _ = ARCHITECTURES[name]
        targets = TARGETS[name][(index // len(names)) % len(TARGETS[name])]
        path = root / "configs" / f"{index:05d}-{name}" / "adapter_config.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        config = {
            "base_model_name_or_path": f"../../models/{name}",
            "peft_type": "LORA",
            "task_type": task,
            "r": 8 + 8 * (index % 4),
            "lora_alpha": 16 + 16 * (index % 4),
            "lora_dropout": 0.05,
            "target_modules": targets,
        }
        path.write_text(json.dumps(config, indent=2) + "\n")
        files.append(path)
    return files


def run_once(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock seconds and peak RSS (MB) of one command, in a process of its own."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise RuntimeError(f"{command[:4]} exited {code}: {stderr[-2000:]}")
    rss_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return elapsed, rss_mb


def measure(label: str, command: list[str], cwd: Path, env: dict[str, str], runs: int, before=None) -> dict:
    times, rss = [], []
    for _ in range(runs):
        if before is not None:
            before()
        elapsed, peak = run_once(command, cwd, env)
        times.append(elapsed)
        rss.append(peak)
    result = {
        "label": label,
        "times": times,
        "rss_mb": rss,
        "median_s": statistics.median(times),
        "median_rss_mb": statistics.median(rss),
    }
    print(f"  {label:44} median {result['median_s']:8.3f} s   peak RSS {result['median_rss_mb']:7.1f} MB", flush=True)
    return result


FLOOR = """
import json, sys, warnings
warnings.simplefilter("ignore")
import torch, transformers
transformers.logging.set_verbosity_error()
for path in sys.argv[1:]:
    config = json.load(open(path))
    cfg = transformers.AutoConfig.for_model(**config)
    cls = getattr(transformers, config["architectures"][0])
    with torch.device("meta"):
        cls._from_config(cfg)
"""

BY_HAND = """
import json, sys, warnings
warnings.simplefilter("ignore")
import torch, transformers
from peft import LoraConfig, get_peft_model
transformers.logging.set_verbosity_error()
AUTO = {"CAUSAL_LM": "AutoModelForCausalLM", "SEQ_CLS": "AutoModelForSequenceClassification"}
for path in sys.argv[1:]:
    adapter = json.load(open(path))
    model_dir = (__import__("pathlib").Path(path).parent / adapter["base_model_name_or_path"]).resolve()
    config = json.load(open(model_dir / "config.json"))
    cfg = transformers.AutoConfig.for_model(**config)
    with torch.device("meta"):
        model = getattr(transformers, AUTO[adapter["task_type"]]).from_config(cfg)
    options = {k: v for k, v in adapter.items() if k not in ("base_model_name_or_path", "peft_type")}
    try:
        get_peft_model(model, LoraConfig(**options))
    except Exception:
        pass  # a config PEFT refuses: the user learns it here
"""


def ratio(a: dict, b: dict, key: str = "median_s") -> float:
    return a[key] / b[key]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="two small architectures and few files (for tests)")
    parser.add_argument("--configs", type=int, default=None, help="configs in the main corpus (default 200)")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (the median is used)")
    parser.add_argument("--scaling", default=None, help="corpus sizes for the scaling run (default 1000,10000)")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where results.json goes")
    args = parser.parse_args(argv)
    count = args.configs or (6 if args.tiny else 200)
    scaling = [int(n) for n in (args.scaling or ("20,50" if args.tiny else "1000,10000")).split(",")]
    work = Path(tempfile.mkdtemp(prefix="lora-lint-bench-"))
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONWARNINGS="ignore")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    print(
        f"lora-lint benchmark: {count} configs, {args.runs} runs each, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, work dir {work}",
        flush=True,
    )
    files = generate(work / "main", count, args.tiny)
    rel = [str(p.relative_to(work / "main")) for p in files]
    model_configs = sorted(str(p) for p in (work / "main" / "models").glob("*/config.json"))
    cache = work / "cache"
    warm_env = dict(env, LORA_LINT_CACHE_DIR=str(cache))
    results: dict[str, Any] = {
        "cores": os.cpu_count(),
        "configs": count,
        "runs": args.runs,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }

    def empty_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    edits = iter(range(1, 1_000_000))

    def touch_configs() -> None:  # every config edited anew: results recomputed, inventories reused
        spaces = " " * next(edits)
        for path in files:
            path.write_text(path.read_text().rstrip() + "\n" + spaces)

    lint = LINT + ["-q", "--exit-zero", *rel]
    print("1. warm lint vs check-jsonschema", flush=True)
    run_once(lint, work / "main", warm_env)  # fill the caches
    warm = measure("lora-lint, warm (files unchanged)", lint, work / "main", warm_env, args.runs)
    warm_edited = measure(
        "lora-lint, warm (every file edited)", lint, work / "main", warm_env, args.runs, before=touch_configs
    )
    checker = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or "check-jsonschema"
    schema = measure(
        "check-jsonschema --schemafile peft-lora",
        [checker, "--schemafile", str(ROOT / "schemas" / "peft-lora.schema.json"), *rel],
        work / "main",
        env,
        args.runs,
    )
    print("2. cold lint vs the floor (import + one meta build per architecture)", flush=True)
    cold = measure("lora-lint, cold (empty cache)", lint, work / "main", warm_env, args.runs, before=empty_cache)
    floor = measure(
        "floor: import torch+transformers, build each",
        [sys.executable, "-c", FLOOR, *model_configs],
        work / "main",
        env,
        args.runs,
    )
    print("3. lora-lint vs by hand (per config: build on meta + get_peft_model)", flush=True)
    by_hand = measure(
        "by hand: build + get_peft_model per config",
        [sys.executable, "-c", BY_HAND, *rel],
        work / "main",
        env,
        args.runs,
    )
    print("5. scaling (warm, files unchanged)", flush=True)
    scaling_results = []
    for size in scaling:
        scaled = generate(work / f"scale-{size}", size, args.tiny)
        scaled_rel = [str(p.relative_to(work / f"scale-{size}")) for p in scaled]
        command = LINT + ["-q", "--exit-zero", "configs"]
        run_once(command, work / f"scale-{size}", warm_env)
        result = measure(f"lora-lint, warm, {size} configs", command, work / f"scale-{size}", warm_env, args.runs)
        result["per_file_ms"] = 1000 * result["median_s"] / len(scaled_rel)
        scaling_results.append(result)
    ratios = {
        "warm_vs_check_jsonschema": (ratio(warm, schema), "<=", 1.0),
        "warm_edited_vs_check_jsonschema": (ratio(warm_edited, schema), "(info)", None),
        "cold_vs_floor": (ratio(cold, floor), "<=", 1.25),
        "by_hand_vs_cold": (ratio(by_hand, cold), ">=", 5.0),
        "by_hand_vs_warm": (ratio(by_hand, warm), ">=", 50.0),
        "warm_peak_rss_mb": (warm["median_rss_mb"], "<=", 80.0),
        "cold_rss_vs_floor_rss": (ratio(cold, floor, "median_rss_mb"), "<=", 1.3),
        "scaling_per_file": (scaling_results[-1]["per_file_ms"] / scaling_results[0]["per_file_ms"], "<=", 1.2),
    }
    print("\nratios (computed from the medians above)", flush=True)
    for name, (value, relation, target) in ratios.items():
        verdict = (
            ""
            if target is None
            else ("met" if (value <= target if relation == "<=" else value >= target) else "MISSED")
        )
        goal = "" if target is None else f"target {relation} {target:g}"
        print(f"  {name:34} {value:10.3f}   {goal:16} {verdict}")
    results.update(
        measurements={m["label"]: m for m in (warm, warm_edited, schema, cold, floor, by_hand)},
        scaling=scaling_results,
        ratios={k: {"value": v, "relation": r, "target": t} for k, (v, r, t) in ratios.items()},
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    print(f"\nwrote {args.out / 'results.json'}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
