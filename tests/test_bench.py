"""The benchmark runs end to end on a tiny corpus, and every ratio it prints comes from its measurements.

The targets themselves are for the full benchmark (`python bench/run.py`, figures in
bench/RESULTS.md): timings are never asserted in the test suite.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


def test_benchmark_runs_and_its_ratios_are_computed_from_real_measurements(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--tiny", "--runs", "2", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=1800,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ratios (computed from the medians above)" in proc.stdout
    results = json.loads((tmp_path / "results.json").read_text())
    measured = results["measurements"]
    for label, m in measured.items():
        assert len(m["times"]) == 2 and all(t > 0 for t in m["times"]), label
        assert m["median_s"] == statistics.median(m["times"])
        assert all(r > 0 for r in m["rss_mb"])

    def median(prefix: str, key: str = "median_s") -> float:
        (m,) = [m for label, m in measured.items() if label.startswith(prefix)]
        return m[key]

    ratios = {name: r["value"] for name, r in results["ratios"].items()}
    warm = median("lora-lint, warm (files unchanged)")
    cold = median("lora-lint, cold")
    assert ratios["warm_vs_check_jsonschema"] == warm / median("check-jsonschema")
    assert ratios["cold_vs_floor"] == cold / median("floor")
    assert ratios["by_hand_vs_cold"] == median("by hand") / cold
    assert ratios["by_hand_vs_warm"] == median("by hand") / warm
    assert ratios["warm_peak_rss_mb"] == median("lora-lint, warm (files unchanged)", "median_rss_mb")
    rss = median("lora-lint, cold", "median_rss_mb") / median("floor", "median_rss_mb")
    assert ratios["cold_rss_vs_floor_rss"] == rss
    small, large = results["scaling"]
    assert ratios["scaling_per_file"] == large["per_file_ms"] / small["per_file_ms"]
