"""Lint the real-world corpus kept beside the repo and fail on an internal error or a misread.

Runs the real CLI over every file (offline: CI has no Hub) and fails when lora-lint exits 2, prints
a traceback, or does not recognise a file as the framework of the folder it sits in (the corpus
README's table; `other/` holds formats outside the five and owes nothing). Prints a per-folder
summary so the CI log shows what the corpus exercised.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

#: folder -> the dialects its files must be recognised as
EXPECTED = {
    "peft": {"peft"},
    "axolotl": {"axolotl"},
    "llamafactory": {"llamafactory", "llamafactory_v1"},
    "torchtune": {"torchtune"},
    "trl": {"trl"},
    "project-lora-kwargs": {"peft"},
}


def main(corpus: Path) -> int:
    files = sorted(p for p in corpus.rglob("*") if p.suffix in (".json", ".yaml", ".yml"))
    proc = subprocess.run(
        [sys.executable, "-m", "linter", "--offline", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=1800,
    )
    if proc.returncode == 2 or "Traceback" in proc.stderr:
        print(proc.stderr, file=sys.stderr)
        print(f"lora-lint failed on the corpus (exit {proc.returncode})", file=sys.stderr)
        return 1
    report = json.loads(proc.stdout)
    dialect_of = {Path(f["path"]).resolve(): f["dialect"] for f in report["files"]}
    by_folder = Counter(p.parent.name for p in files)
    seen = Counter(p.parent.name for p in files if p.resolve() in dialect_of)
    codes = Counter(d["code"] for d in report["diagnostics"])
    print(f"corpus: {len(files)} files, {len(dialect_of)} linted, exit {proc.returncode}")
    for folder in sorted(by_folder):
        dialects = Counter(dialect_of.get(p.resolve()) for p in files if p.parent.name == folder)
        shown = ", ".join(f"{d or 'skipped'} x{n}" for d, n in sorted(dialects.items(), key=str))
        print(f"  {folder:20} {seen[folder]:3} of {by_folder[folder]:3} linted ({shown})")
    print("  findings: " + ", ".join(f"{code} x{n}" for code, n in sorted(codes.items())))
    wrong = [
        f"{p.parent.name}/{p.name}: read as {dialect_of.get(p.resolve())}"
        for p in files
        if p.parent.name in EXPECTED and dialect_of.get(p.resolve()) not in EXPECTED[p.parent.name]
    ]
    if wrong:
        print("files not recognised as the framework of their folder:", *wrong, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
