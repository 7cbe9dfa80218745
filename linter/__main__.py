"""`python -m linter` runs the same command line as `lora-lint`."""

from linter.cli import main

main()
