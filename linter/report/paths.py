"""Paths as CI systems want them: relative to the repository root, with forward slashes.

GitHub resolves annotation files and SARIF artifact URIs against the repository root, so a run from
a subdirectory must still report `configs/lora.yaml` as `sub/configs/lora.yaml`. The root is the
closest directory above the working directory that holds `.git` (a directory, or a file in a
worktree or submodule); outside a repository it is the working directory itself.
"""

from __future__ import annotations

import os
from pathlib import Path


def source_root(cwd: Path) -> Path:
    """The git root above `cwd`, else `cwd` (absolute, symlinks kept as the user sees them)."""
    start = Path(os.path.abspath(cwd))
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def relative_to_root(shown: str, cwd: Path, root: Path) -> str | None:
    """`shown` (a path as the engine displays it) relative to `root` with `/`; None when outside it.

    Symlinks are resolved first when the real file is inside the root too (GitHub asks for resolved
    paths); otherwise the path is taken as written.
    """
    absolute = os.path.abspath(os.path.join(cwd, shown))
    real, real_root = os.path.realpath(absolute), os.path.realpath(root)
    if _inside(real, real_root):
        return Path(os.path.relpath(real, real_root)).as_posix()
    if _inside(absolute, str(root)):
        return Path(os.path.relpath(absolute, root)).as_posix()
    return None


def ci_path(shown: str, cwd: Path, root: Path) -> str:
    """The repository-relative path, or the absolute one (with `/`) for a file outside the repository."""
    relative = relative_to_root(shown, cwd, root)
    if relative is not None:
        return relative
    return Path(os.path.abspath(os.path.join(cwd, shown))).as_posix()
