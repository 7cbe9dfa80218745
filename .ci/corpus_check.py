"""Lint the real-world corpus kept beside the repo and fail on an internal error.

Runs the real CLI over every file (offline: CI has no Hub) and fails when lora-lint exits 2, prints
a traceback, or does not report a file as linted. Prints a per-folder summary so the CI log shows
what the corpus exercised.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path


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
    linted = {Path(f["path"]).resolve() for f in report["files"]}
    by_folder = Counter(p.parent.name for p in files)
    seen = Counter(p.parent.name for p in files if p.resolve() in linted)
    codes = Counter(d["code"] for d in report["diagnostics"])
    print(f"corpus: {len(files)} files, {len(linted)} linted, exit {proc.returncode}")
    for folder in sorted(by_folder):
        print(f"  {folder:20} {seen[folder]:3} of {by_folder[folder]:3} linted")
    print("  findings: " + ", ".join(f"{code} x{n}" for code, n in sorted(codes.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
