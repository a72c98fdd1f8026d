"""`scraper capture URL`: render one page and print its record."""

from __future__ import annotations

from pathlib import Path

import typer

from scraper.cli.app import app, examples
from scraper.cli.common import json_option
from scraper.cli.output import print_json, show, write_atomic

# Service modules are imported inside each command: start-up stays lean, and a command pays only
# for what it uses (a capture never loads the database layer).


@app.command("capture", epilog=examples(
    "scraper capture https://example.org/2016/10/19/post/",
    "scraper capture https://example.org/post/ --full            # the whole article",
    "scraper capture https://example.org/post/ --json -o post.json",
    "scraper capture https://forum.example/t/42 --profile ./forum.yaml",
))
def capture_command(
    url: str = typer.Argument(..., metavar="URL", help="The page to capture (http or https)."),
    profile: str | None = typer.Option(None, "--profile", "-p", metavar="NAME|FILE",
                                       help="Profile name or profile file (default: detect)."),
    full: bool = typer.Option(False, "--full", help="Show the whole article and every comment "
                              "in full (through a pager on a terminal, when long)."),
    as_json: bool = json_option("the record"),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE",
                                       help="Also write the record JSON here."),
    deadline: float | None = typer.Option(None, "--deadline", min=1, metavar="SECONDS",
                                          help="Give up after this long (default 45)."),
) -> None:
    """Render URL in Chromium and extract its article and comments."""
    from scraper.capture import capture
    from scraper.cli.record_view import render_record

    record = capture(url, profile=profile, deadline=deadline)
    if output is not None:
        write_atomic(output, record.to_json(indent=2) + "\n")
    if as_json:
        print_json(record.to_dict())
    else:
        show(render_record(record, full=full), page=full)
