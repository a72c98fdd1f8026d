"""`scraper proof WATCH COMMENT`: the signed bundles that show a comment first seen, its text
changed and gone, each verified now."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from scraper.base.errors import JobFailed
from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import json_option
from scraper.cli.output import out, print_json
from scraper.config.settings import load_settings

EVENTS = {"first_seen": "first seen", "text_changed": "text changed", "gone": "gone"}


@app.command("proof", epilog=examples(
    "scraper proof lavrov 4550",
    "scraper proof lavrov 4550 --export exhibit-4550/",
    "scraper proof 3 4550 --json",
))
def proof_command(
    ref: str = typer.Argument(..., metavar="WATCH", help="The watch's name or id."),
    comment: str = typer.Argument(..., metavar="COMMENT", help="The comment's id (or fp:… key)."),
    export: Path | None = typer.Option(None, "--export", metavar="DIR",
                                       help="Copy the bundles and a signed proof.json into DIR "
                                            "(new or empty)."),
    as_json: bool = json_option("the proof"),
) -> None:
    """Which evidence bundles show a comment first seen, its text changed, and gone; each verified."""
    from scraper.service.proof import prove
    from scraper.store import open_db

    settings = load_settings()
    found = prove(open_db(settings, missing=f"no watch {ref!r}"), settings, ref, comment,
                  export=export.expanduser().resolve() if export else None)
    if as_json:
        print_json(found.model_dump(mode="json"))
    else:
        for fact in found.facts:
            line = Text(f"{EVENTS[fact.event]:<13} ", style="bold")
            line.append(f"{fact.captured_at}  check {fact.check_id}  ")
            line.append("verified" if fact.verified else "FAILED",
                        style="green" if fact.verified else "bold red")
            out.print(line)
            out.print(Text(f"  {safe(fact.bundle)}"), soft_wrap=True)
            out.print(Text(f"  SHA-256 {fact.package_hash}"), soft_wrap=True)
            for problem in fact.problems:
                out.print(Text(f"  FAILED {safe(problem)}", style="red"), soft_wrap=True)
            if fact.text is not None:
                author = f"{safe(fact.author)}: " if fact.author else ""
                out.print(Text(f"  {author}{safe(fact.text)}"), soft_wrap=True)
        if found.exported:
            out.print(Text(f"exported: {found.exported}", style="bold"), soft_wrap=True)
    if not found.ok:
        failed = ", ".join(sorted({f.bundle for f in found.facts if not f.verified}))
        raise JobFailed(f"comment {comment}: a bundle of its proof does not verify: {safe(failed)}")
