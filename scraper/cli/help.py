"""Help that reads as people expect: `URL`, `--every INTERVAL` and `--json`, not `{url}`, `<str>`
and `<bool>`.

Typer shows every parameter's Python type; `tidy` walks the command tree once and names each
argument by its metavar, each option by its metavar (default: its name in capitals), and shows no
type beside a flag. It sets public attributes (`metavar`) and overrides two public methods of the
argument class: click's `get_usage_pieces` and typer's `display_type_rich` (typer offers no option
for either), so pyproject.toml pins typer to the range tests/test_cli_usage.py has been run on.
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.core import TyperArgument, TyperOption

HELP_NAMES = ["-h", "--help"]


class _Argument(TyperArgument):
    """An argument shown as `URL` in the usage line, with no `<str>` beside its help."""

    def get_usage_pieces(self, ctx: Any) -> list[str]:
        name = self.metavar or (self.name or "value").upper()
        name = name if self.required else f"[{name}]"
        return [name + ("..." if self.nargs != 1 else "")]

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def _tidy_param(param: Any) -> None:
    if isinstance(param, TyperArgument):
        param.metavar = param.metavar or (param.name or "value").upper()
        # Same state, other display methods: typer offers no hook for how arguments are shown.
        param.__class__ = _Argument
    elif isinstance(param, TyperOption):
        if param.is_flag or param.count:
            param.metavar = ""
        elif param.metavar is None:
            param.metavar = (param.name or "value").upper()


_LINE_BREAK = re.compile(r"(?<!\n)[ \t]*\n[ \t]*(?!\n)")


def unwrap(text: str | None) -> str | None:
    """A docstring's text with its source line breaks joined (paragraphs, blank-line separated,
    kept): the terminal wraps it, a break written at column 100 must not show mid-sentence."""
    return None if text is None else _LINE_BREAK.sub(" ", text.strip())


def tidy(command: Any) -> Any:
    """Tidy `command`'s parameters and those of every subcommand; return `command`."""
    command.help = unwrap(command.help)
    command.short_help = unwrap(command.short_help)
    # The help option is made on first use and then kept: make it now, to tidy it too.
    help_option = command.get_help_option(typer.Context(command, help_option_names=HELP_NAMES))
    for param in [*command.params, *([help_option] if help_option else [])]:
        _tidy_param(param)
    for sub in getattr(command, "commands", {}).values():
        tidy(sub)
    return command
