"""The command line: thin wrappers that parse, call one function, and print the result.

Importing this package loads no command: `run` (the `scraper` program) first starts the browser of
a one-off capture (scraper/cli/early.py), then loads the commands (scraper/cli/commands.py, which
also has the typer `app`); `main` loads them when first named."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scraper.cli.commands import main

__all__ = ["main", "run"]


def run() -> None:
    from scraper.cli import early

    one_off = early.start(sys.argv[1:])
    try:
        from scraper.cli.commands import main

        code = main()
    finally:
        early.discard()  # a browser started for a command that never took it (bad input)
    if one_off:
        early.leave(code)
    sys.exit(code)


def __getattr__(name: str) -> Any:
    if name == "main":
        from scraper.cli.commands import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
