"""`python -m linter` runs the same command line as `lora-lint`.

`python -m` puts the current directory first on `sys.path`, so a linted repository holding a
`yaml.py` or `torch.py` would be imported in place of the real package, running its code. The
`linter` package itself is already loaded when this runs, so the entry is dropped before anything
else is imported (what `python -P` does on Python 3.11+).
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from linter.cli import main  # noqa: E402 - after the sys.path repair, on purpose

main()
