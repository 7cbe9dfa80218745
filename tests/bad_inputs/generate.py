"""Write the bad inputs that are too large, or too special, to commit.

`tests/bad_inputs/` holds the small hostile files; this script writes the rest into a directory
given on the command line (the tests use a temporary one): files of 10 and 50 MB, lines of
megabytes, thousands of target entries, nesting thousands of levels deep, a 10,000-character model
reference, and the things git cannot hold (FIFOs, unreadable files, broken symlinks, symlink loops,
directories named like config files, links to device files, a model directory whose config.json
is a FIFO or /dev/zero).

    python tests/bad_inputs/generate.py OUTDIR

Every generated file is recreated from scratch; nothing here is random, so a failure reproduces.
`generate()` returns {name: path} for the test.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

MB = 1024 * 1024
LORA_HEAD = '{\n  "peft_type": "LORA",\n  "r": 8,\n  "lora_alpha": 16,\n  "target_modules": ["q_proj", "v_proj"],\n'


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode() if isinstance(text, str) else text
    path.write_bytes(data)
    return path


def _padded_json(path: Path, head: str, size: int, key: str = "padding") -> Path:
    """`head` then one long string value, so the file is `size` bytes of valid JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tail = '"\n}\n'
    opening = f'{head}  "{key}": "'
    fill = size - len(opening) - len(tail)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(opening)
        chunk = "x" * MB
        while fill > 0:
            handle.write(chunk[: min(fill, len(chunk))])
            fill -= len(chunk)
        handle.write(tail)
    return path


def _tokenizer(path: Path, size: int) -> Path:
    """A tokenizer.json-like file: a vocabulary, no LoRA key anywhere."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],\n')
        handle.write(' "model": {"type": "BPE", "dropout": null, "vocab": {')
        written, i = 0, 0
        while written < size - 64:
            entry = f'"tok{i}": {i}, '
            handle.write(entry)
            written += len(entry)
            i += 1
        handle.write('"last": 0}, "merges": []}}\n')
    return path


def _special(out: Path, made: dict[str, Path]) -> None:
    """Things git cannot hold: FIFOs, permissions, symlinks, directories named like files."""
    special = out / "special"
    special.mkdir()
    lora = '{"r": 8, "lora_alhpa": 16, "target_modules": ["q_proj"]}\n'

    unreadable = _write(special / "unreadable_adapter_config.json", lora)
    unreadable.chmod(0)
    made["unreadable_adapter_config.json"] = unreadable
    unreadable_yaml = _write(special / "unreadable.yaml", "r: 8\nlora_alhpa: 16\ntarget_modules: [q_proj]\n")
    unreadable_yaml.chmod(0)
    made["unreadable.yaml"] = unreadable_yaml

    broken = special / "broken_link_adapter_config.json"
    broken.symlink_to("does-not-exist.json")
    made["broken_link_adapter_config.json"] = broken
    loop = special / "loop_adapter_config.json"
    loop.symlink_to("loop_adapter_config.json")
    made["loop_adapter_config.json"] = loop
    (special / "ping.yaml").symlink_to("pong.yaml")
    (special / "pong.yaml").symlink_to("ping.yaml")
    made["ping.yaml"] = special / "ping.yaml"
    (special / "loop_dir").symlink_to(".")  # a directory symlink back to its parent: never followed
    made["loop_dir"] = special / "loop_dir"

    named_dir = special / "adapter_config.json"
    named_dir.mkdir()
    (named_dir / "README.md").write_text("a directory named like a config file\n")
    made["adapter_config.json/"] = named_dir
    yaml_dir = special / "config.yaml"
    yaml_dir.mkdir()
    made["config.yaml/"] = yaml_dir

    fifo = special / "fifo_adapter_config.json"
    os.mkfifo(fifo)
    made["fifo_adapter_config.json"] = fifo
    fifo_yaml = special / "fifo.yaml"
    os.mkfifo(fifo_yaml)
    made["fifo.yaml"] = fifo_yaml
    zero = special / "zero_adapter_config.json"
    zero.symlink_to("/dev/zero")
    made["zero_adapter_config.json"] = zero
    null = special / "null.yaml"
    null.symlink_to("/dev/null")
    made["null.yaml"] = null

    # model directories whose config.json must never be read as a stream
    for name, make in (
        ("fifo-model", lambda p: os.mkfifo(p)),
        ("zero-model", lambda p: p.symlink_to("/dev/zero")),
        ("dir-model", lambda p: p.mkdir()),
        ("loop-model", lambda p: p.symlink_to("config.json")),
    ):
        model = special / "models" / name
        model.mkdir(parents=True)
        make(model / "config.json")
        config = special / f"ref_{name.replace('-', '_')}_adapter_config.json"
        _write(config, json.dumps({"base_model_name_or_path": str(model), "r": 8, "target_modules": ["q_proj"]}))
        made[config.name] = config


def generate(out: Path) -> dict[str, Path]:
    """Write every generated bad input under `out` (emptied first); return {name: path}."""
    out = Path(out)
    if out.exists():
        for path in sorted(out.rglob("*"), reverse=True):  # unreadable files and FIFOs included
            if path.is_symlink() or not path.is_dir():
                path.unlink()
            else:
                path.chmod(0o755)
        shutil.rmtree(out)
    out.mkdir(parents=True)
    made: dict[str, Path] = {}

    def add(path: Path) -> None:
        made[path.name] = path

    # size: 50 MB of LoRA config (reported), 50 MB and 10 MB tokenizers (not LoRA: skipped)
    add(_padded_json(out / "huge_adapter_config.json", LORA_HEAD, 50 * MB))
    add(_padded_json(out / "huge_lora.json", LORA_HEAD, 50 * MB))
    add(_tokenizer(out / "tokenizer.json", 10 * MB))
    add(_tokenizer(out / "huge_tokenizer.json", 50 * MB))
    big_yaml = "r: 8\nlora_alpha: 16\ntarget_modules: [q_proj]\nnotes: |\n" + "  some text\n" * (6 * MB // 12)
    add(_write(out / "huge_lora.yaml", big_yaml))

    # very long lines, under the size limit: one 4 MB line, and a finding at its far end
    add(_padded_json(out / "long_line_adapter_config.json", LORA_HEAD.replace("\n", ""), 4 * MB))
    minified = json.dumps({"r": 8, "target_modules": ["q_proj"], "note": "x" * (3 * MB), "lora_alhpa": 16})
    add(_write(out / "long_line_minified_adapter_config.json", minified))
    add(_write(out / "long_line.yaml", "r: 8\nlora_alpha: 16\ntarget_modules: [q_proj]\nnote: " + "y" * (4 * MB) + "\n"))
    add(_write(out / "long_key.yaml", "r: 8\nlora_alpha: 16\ntarget_modules: [q_proj]\n" + "k" * (2 * MB) + ": 1\n"))

    # thousands of target entries: within the entry limit (findings at each entry) and past it
    names = [f"model.layers.{i}.self_attn.q_prj" for i in range(5000)]
    add(_write(out / "many_targets_adapter_config.json", json.dumps({"r": 8, "target_modules": names}, indent=1)))
    add(_write(out / "many_targets.yaml", "r: 8\nlora_alpha: 16\ntarget_modules:\n" + "".join(f"  - {n}\n" for n in names)))
    many = [f"layers.{i}.q_proj" for i in range(20_000)]
    add(_write(out / "too_many_targets_adapter_config.json", json.dumps({"r": 8, "target_modules": many})))
    add(_write(out / "too_many_targets.yaml", "r: 8\nlora_alpha: 16\ntarget_modules: [" + ", ".join(many) + "]\n"))
    wide = {"r": 8, "target_modules": ["q_proj"], "rank_pattern": {f"layers.{i}.q_proj": 4 for i in range(20_000)}}
    add(_write(out / "wide_mapping_adapter_config.json", json.dumps(wide)))

    # many small nodes, under the size limit: the node budget stops composition early
    add(_write(out / "many_nodes.yaml", "r: 8\nlora_alpha: 16\ntarget_modules: [q_proj]\nitems:\n" + "- a\n" * 1_000_000))
    rows = "\n".join(f"  row{i}: [1, 2, 3, 4, 5, 6, 7, 8]" for i in range(30_000))
    add(_write(out / "many_nodes_nested.yaml", "r: 8\nlora_alpha: 16\ntarget_modules: [q_proj]\nitems:\n" + rows + "\n"))

    # deep nesting, JSON and YAML, flow and block
    depth = 5000
    add(_write(out / "deep_adapter_config.json", '{"r": 8, "target_modules": ["q_proj"], "x": ' + "[" * depth + "]" * depth + "}"))
    add(_write(out / "deep_objects_adapter_config.json", '{"r": 8, "x": ' + '{"a": ' * depth + "1" + "}" * depth + "}"))
    add(_write(out / "deep_flow.yaml", "r: 8\nlora_alpha: 16\ntarget_modules: [q_proj]\nx: " + "[" * depth + "]" * depth + "\n"))
    block = "".join("  " * i + "k:\n" for i in range(300)) + "  " * 300 + "k: 1\n"
    add(_write(out / "deep_block.yaml", "r: 8\nlora_alpha: 16\ntarget_modules: [q_proj]\nx:\n" + "  " + block.replace("\n", "\n  ").rstrip() + "\n"))
    add(_write(out / "deep_unclosed.yaml", "r: 8\ntarget_modules: [q_proj]\nx: " + "[" * 100_000 + "\n"))
    add(_write(out / "deep_unclosed_adapter_config.json", '{"r": 8, "x": ' + "[" * 100_000))

    # a 10,000-character model reference
    add(_write(out / "ref_10000_chars_adapter_config.json", json.dumps({"base_model_name_or_path": "a" * 10_000, "r": 8, "target_modules": ["q_proj"]}, indent=2)))
    add(_write(out / "ref_10000_path_adapter_config.json", json.dumps({"base_model_name_or_path": "./" + "d/" * 5_000, "r": 8, "target_modules": ["q_proj"]}, indent=2)))

    _special(out, made)
    return made


if __name__ == "__main__":  # pragma: no cover - a command for people
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/bad_inputs/generate.py OUTDIR")
    for name, path in sorted(generate(Path(sys.argv[1])).items()):
        print(f"{name}\t{path}")
