"""`scraper doctor`: what this machine has, what is missing, and how to fix it."""

from __future__ import annotations

import typer
from rich.text import Text

from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import json_option
from scraper.cli.output import out, print_json


@app.command("doctor", epilog=examples("scraper doctor", "scraper doctor --channels",
                                       "scraper doctor --json"))
def doctor(
    channels: bool = typer.Option(False, "--channels",
                                  help="Also connect to each report channel's host (nothing sent)."),
    as_json: bool = json_option("the checks"),
) -> None:
    """Check the browser, Playwright, database, profiles, data folder and SMTP server (exit 1:
    something needed for `capture`, `run` or reports is missing)."""
    from scraper.config.settings import SettingsError, load_settings
    from scraper.doctor import diagnose

    try:
        report = diagnose(load_settings(), channels=channels)
    except SettingsError as exc:  # a failed check, not an exit 2: the doctor reports what it finds
        report = diagnose(exc)
    if as_json:
        print_json(report.to_dict())
    else:
        width = max(len(check.name) for check in report.checks) + 1
        indent = "\n" + " " * (width + 2)
        for check in report.checks:
            line = Text("✔ ", style="green") if check.ok else Text("✗ ", style="bold red")
            line.append(check.name.ljust(width), style="bold")
            # Paths, versions and driver messages come from outside: shown, never interpreted.
            line.append(safe(check.detail).replace("\n", indent))
            if not check.ok and check.fix:
                line.append(indent + "fix: " + safe(check.fix), style="yellow")
            out.print(line, soft_wrap=True)  # one line per fact: the terminal wraps, a pipe greps
    if not report.ok:
        raise typer.Exit(1)
