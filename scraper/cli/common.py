"""Options and helpers several commands share: `--json`, `--yes`, asking before deleting."""

from __future__ import annotations

import sys
from typing import Any

import typer

from scraper.base.errors import InputError, JobFailed


def json_option(what: str) -> Any:
    """`--json`: print exactly one JSON document on stdout (errors, too, become JSON on stderr)."""
    return typer.Option(False, "--json", help=f"Print {what} as one JSON document.")


def wide_option() -> Any:
    """`--wide`: every column, whole, however wide the terminal (the default fits it)."""
    return typer.Option(False, "--wide", help="Show every column whole (default: fit the terminal).")


def yes_option(what: str) -> Any:
    return typer.Option(False, "--yes", "-y", help=f"Do not ask before {what}.")


def confirm(question: str, *, yes: bool, refused: str) -> None:
    """Go on when `yes`, or when a person at a terminal says so. Without a terminal nobody can
    answer: refuse (exit 2) and say how to confirm; a person who says no gets exit 1."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise InputError(f"{question[0].upper()}{question[1:]} Not asked: the input is not a "
                         "terminal. Give --yes to confirm.", where="--yes")
    if not typer.confirm(question, default=False, err=True):
        raise JobFailed(refused)
