"""Turn the paths on the command line into the files to read.

Directories are walked the way a user expects from ruff: version-control, virtualenv, cache and
hidden directories are skipped, symlinked directories are not followed (no loops, no escaping the
tree), and only `.json` / `.yaml` / `.yml` files are candidates. A file named explicitly is always a
candidate, whatever its extension, because pre-commit and the user chose it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

CONFIG_SUFFIXES = frozenset({".json", ".yaml", ".yml"})
SKIP_DIRS = frozenset(
    {
        "node_modules",
        "__pycache__",
        "site-packages",
        "venv",
        "env",
        "build",
        "dist",
        "wandb",
        "mlruns",
    }
)


@dataclass(frozen=True)
class Candidate:
    path: Path
    #: named on the command line (so unreadable or unparsable content is reported, not skipped)
    explicit: bool


def _skip_dir(entry: os.DirEntry) -> bool:
    name = entry.name
    if name.startswith(".") or name in SKIP_DIRS:
        return True
    try:
        return os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))
    except OSError:
        return True


#: (path, named explicitly) -> skip it? Settings' `exclude` patterns, applied while walking.
Excluder = Callable[[Path, bool], bool]


def _never(path: Path, explicit: bool) -> bool:
    return False


def _walk(root: Path, excluded: Excluder, unlistable: Callable[[Path], None]) -> Iterator[Path]:
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except PermissionError:
        unlistable(root)  # said, not skipped silently: its configs go unchecked
        return
    except OSError:
        return
    for entry in entries:
        try:
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                if not _skip_dir(entry) and not excluded(path, False):
                    yield from _walk(path, excluded, unlistable)
            elif entry.is_file(follow_symlinks=True) and Path(entry.name).suffix.lower() in CONFIG_SUFFIXES:
                if not excluded(path, False):
                    yield path
        except OSError:
            continue


def discover(
    paths: list[Path], excluded: Excluder = _never, unlistable: Callable[[Path], None] = lambda path: None
) -> Iterator[Candidate]:
    """Candidates in a stable order, each path once; `unlistable(dir)` for a directory that cannot be read."""
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = ((p, False) for p in _walk(path, excluded, unlistable))
        elif excluded(path, True):
            continue
        else:
            found = iter([(path, True)])
        for file, explicit in found:
            key = Path(os.path.normpath(file))
            if key in seen:
                continue
            seen.add(key)
            yield Candidate(file, explicit)
