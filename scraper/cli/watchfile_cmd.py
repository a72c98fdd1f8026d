"""`scraper watch apply|export`: watches kept as data in watch files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from scraper.cli.app import examples
from scraper.cli.common import confirm, json_option, yes_option
from scraper.cli.output import err, out, print_json
from scraper.cli.watch_cmd import watch_app
from scraper.config.settings import load_settings

if TYPE_CHECKING:
    from scraper.store import Watch

_STYLE = {"created": "green", "updated": "yellow", "removed": "red", "unchanged": "dim"}


@watch_app.command("apply", epilog=examples(
    "scraper watch apply schedules/*.yaml",
    "scraper watch apply schedules/*.yaml --dry-run",
    "scraper watch apply schedules/*.yaml --prune --yes   # also remove watches no file declares",
))
def apply_files(
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="Watch files (YAML)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would change; change nothing."),
    prune: bool = typer.Option(False, "--prune",
                               help="Also remove the watches no file declares (with their history)."),
    yes: bool = yes_option("removing watches with --prune"),
    as_json: bool = json_option("what was (or would be) done"),
) -> None:
    """Create or update the watches the files declare, by name. Every file is checked whole first:
    every mistake is listed, each at its line, and nothing is written until all are right."""
    from scraper.service import watches
    from scraper.store import open_db
    from scraper.watches import files as watchfile

    settings = load_settings()
    planned = watchfile.plan(files, settings)  # before the database is opened: bad input writes nothing

    def ask(undeclared: list[Watch]) -> None:
        names = ", ".join(f"{w.id} ({w.name})" for w in undeclared)
        confirm(f"remove {len(undeclared)} watch(es) no file declares, with their history: {names}?",
                yes=yes, refused="nothing applied")

    applied = watches.apply_files(open_db(settings), planned, prune=prune, dry_run=dry_run,
                                  confirm_removal=ask)
    if as_json:
        print_json(applied.dumped())
        return
    for r in applied.watches:
        line = Text(f"{'would be ' if dry_run else ''}{r.result:9} ", style=_STYLE[r.result])
        line.append(r.name)
        if r.changed:
            line.append(f"  ({', '.join(r.changed)})", style="dim")
        out.print(line)
    if dry_run:
        err.print("dry run: nothing was changed")


@watch_app.command("export", epilog=examples(
    "scraper watch export > schedules/all.yaml",
    "scraper watch export --tag news > news.yaml && scraper watch apply news.yaml",
))
def export(
    tags: list[str] = typer.Option([], "--tag", metavar="TAG",
                                   help="Only the watches with this tag (repeatable: any of them)."),
    as_json: bool = json_option("the watch file's content"),
) -> None:
    """Print the watches as a watch file: `watch apply` on it gives the same watches back."""
    import yaml

    from scraper.service import watches
    from scraper.store import open_db

    exported = watches.export(open_db(load_settings(), read_only=True), tags=tags)
    text = exported.text
    if not exported.count:
        err.print("no watches to export" + (f" tagged {', '.join(tags)}" if tags else ""))
    if as_json:
        print_json(yaml.safe_load(text))
    else:
        print(text, end="")
