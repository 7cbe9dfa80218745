"""Coverage-guided fuzzing of the reader and the schema stage, with atheris (libFuzzer for Python).

Every input is the bytes of one file: its first byte picks the file name (so the JSON and YAML
readers and every dialect's recognition are reached), the rest is decoded, parsed with positions,
recognised, validated against the schemas and run through every rule that does not need a model
(the model is pinned to a path that does not exist, so nothing is built and nothing is fetched).

A crash is any exception escaping the linter, or a broken invariant: a diagnostic whose position
is outside the file, a parse error without a position, a fix that does not apply to the text.

    pip install atheris
    python tests/fuzz/fuzz_reader.py -max_total_time=600 /tmp/lora-lint-fuzz

The corpus directory is seeded from `tests/bad_inputs/`, `tests/fixtures/dialects/` and
`examples/configs/` when it is empty; any further libFuzzer flag (`-jobs=`, `-max_len=`, ...)
passes through. `tests/test_fuzz_harness.py` runs `one_input` on those seeds, so the harness
cannot rot between fuzz runs.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere in the checkout
    sys.path.insert(1, str(ROOT))

#: the file name an input is read as, picked by its first byte
NAMES = (
    "adapter_config.json",
    "lora.yaml",
    "train.json",
    "axolotl.yml",
    "config",
    "8B_lora.yaml",
)
SEED_DIRS = (ROOT / "tests" / "bad_inputs", ROOT / "tests" / "fixtures" / "dialects", ROOT / "examples" / "configs")
#: seeds larger than this are left out: libFuzzer mutates small inputs far faster
MAX_SEED_BYTES = 64 * 1024

_WORK = Path(tempfile.gettempdir()) / "lora-lint-fuzz-files"
_LINTER = None


def _linter():
    """One Linter for the whole run: no caches, offline, every model pinned to a missing path."""
    global _LINTER
    if _LINTER is None:
        from linter.engine import Linter
        from linter.models.cache import InventoryCache
        from linter.models.provider import ModelProvider
        from linter.settings import SettingsResolver

        _WORK.mkdir(parents=True, exist_ok=True)
        provider = ModelProvider(
            override=str(_WORK / "no-such-model"), offline=True, cache=InventoryCache(enabled=False, notes=[])
        )
        _LINTER = Linter(provider, settings=SettingsResolver(isolated=True), cwd=_WORK)
    return _LINTER


def _check_span(span, lines: int, what: str) -> None:
    if not (1 <= span.line <= lines + 1 and span.column >= 1 and span.end_line >= span.line):
        raise AssertionError(f"{what}: position {span} outside a file of {lines} lines")


def one_input(data: bytes) -> None:
    """Read, recognise, validate and lint `data[1:]` as the file `NAMES[data[0]]`; raise on a fault."""
    from linter.discover import Candidate
    from linter.document import parse_bytes
    from linter.fix import apply_fixes

    if not data:
        return
    path = _WORK / NAMES[data[0] % len(NAMES)]
    doc = parse_bytes(data[1:], path)
    lines = max(len(doc.text.splitlines()), 1) if doc.text else 1
    if doc.error is not None:
        if not doc.error.message:
            raise AssertionError("a parse error without a message")
        _check_span(doc.error.span, lines if doc.text else data.count(b"\n") + 1, "parse error")
        return
    for pointer, span in list(doc.key_spans.items()) + list(doc.value_spans.items()):
        _check_span(span, lines, f"span of {pointer!r}")
    result = _linter().lint(Candidate(path, explicit=True), text=doc.text)
    if result is None:
        return
    fixes = []
    for diagnostic in result.diagnostics:
        _check_span(diagnostic.span, lines, f"{diagnostic.code} {diagnostic.message!r}")
        if not diagnostic.message:
            raise AssertionError(f"{diagnostic.code} without a message")
        if diagnostic.fix is not None:
            fixes.append(diagnostic.fix)
    if fixes:
        fixed, applied = apply_fixes(doc.text, fixes)
        if applied and parse_bytes(fixed.encode(), path).error is not None:
            raise AssertionError("the safe fixes made the file unparsable")


def seeds() -> list[bytes]:
    """The seed inputs: every small committed config, once under each name it could be read as."""
    found: list[bytes] = []
    for directory in SEED_DIRS:
        for path in sorted(directory.rglob("*")):
            if (
                path.is_file()
                and not path.is_symlink()
                and path.suffix != ".py"
                and path.stat().st_size <= MAX_SEED_BYTES
            ):
                body = path.read_bytes()
                index = 0 if path.suffix == ".json" else 1
                found.append(bytes([index]) + body)
    return found


def _seed_corpus(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        return
    for number, seed in enumerate(seeds()):
        (directory / f"seed-{number:04d}").write_bytes(seed)


def main(argv: list[str]) -> None:  # pragma: no cover - a command for people, run for minutes
    import atheris

    corpus = [a for a in argv[1:] if not a.startswith("-")]
    if corpus:
        _seed_corpus(Path(corpus[0]))
    with atheris.instrument_imports():
        import linter.dialects  # noqa: F401
        import linter.document  # noqa: F401
        import linter.engine  # noqa: F401
        import linter.schema  # noqa: F401
    _linter()
    atheris.Setup(argv, one_input)
    try:
        atheris.Fuzz()
    finally:
        shutil.rmtree(_WORK, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv)
