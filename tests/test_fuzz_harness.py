"""The atheris harness (`tests/fuzz/fuzz_reader.py`) on its seeds, so it cannot rot between fuzz runs.

The long coverage-guided run is a documented command (see the README's Security section); this
test runs the same `one_input` on every seed under every file name, and on the inputs the fuzzer
found (kept in `tests/bad_inputs/`), each of which once crashed or stalled the reader.
"""

from __future__ import annotations

import time

import pytest

from tests.fuzz import fuzz_reader
from tests.support import ROOT

FOUND_BY_FUZZING = ["bad_timestamp_tagged.yaml", "duplicate_key_alias_bomb.yaml"]


def test_the_harness_runs_every_seed_under_every_name() -> None:
    seeds = fuzz_reader.seeds()
    assert len(seeds) > 100
    for seed in seeds:
        for index in range(len(fuzz_reader.NAMES)):
            fuzz_reader.one_input(bytes([index]) + seed[1:])


@pytest.mark.parametrize("name", FOUND_BY_FUZZING)
def test_inputs_the_fuzzer_found(name: str) -> None:
    body = (ROOT / "tests" / "bad_inputs" / name).read_bytes()
    started = time.monotonic()
    fuzz_reader.one_input(bytes([1]) + body)
    assert time.monotonic() - started < 10  # the alias bomb of duplicate keys took 45 s before the fix


def test_the_harness_reports_a_broken_invariant() -> None:
    """A fault inside the stage under test escapes `one_input` (so libFuzzer records it)."""
    with pytest.raises(AssertionError):
        fuzz_reader._check_span(type("S", (), {"line": 9, "column": 1, "end_line": 9})(), 3, "probe")
