"""`scraper capture URL`: render one page and print its record."""

from __future__ import annotations

from pathlib import Path

import typer

from scraper.cli.app import app
from scraper.cli.output import out, output_target, print_json, write_atomic

# Service modules are imported inside each command: start-up stays lean, and a command pays only
# for what it uses (a capture never loads the database layer).


@app.command("capture")
def capture_command(
    url: str = typer.Argument(..., help="The page to capture (http or https)."),
    profile: str | None = typer.Option(None, "--profile", "-p", help="Profile name (default: detect)."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object (the record)."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Also write the record JSON here (- for stdout)."),
    deadline: float | None = typer.Option(None, "--deadline", help="Seconds, up to 600 (default 45)."),
) -> None:
    """Render URL in Chromium and extract its article and comments."""
    from scraper.capture import capture
    from scraper.cli.record_view import render_record
    from scraper.settings import check_deadline

    if deadline is not None:
        check_deadline(deadline, f"--deadline {deadline:g}")
    target = output_target(output) if output is not None else None  # before the capture
    record = capture(url, profile=profile, deadline=deadline)
    if target is not None:
        write_atomic(target, record.to_json(indent=2) + "\n")
    elif output is not None and not as_json:  # `-o -`: the record JSON is the output
        print_json(record.to_dict())
        return
    if as_json:
        print_json(record.to_dict())
    else:
        out.print(render_record(record))
