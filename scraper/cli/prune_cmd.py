"""`scraper prune`: history retention by hand (the daemon does it every hour)."""

from __future__ import annotations

import typer
from rich.text import Text

from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import json_option
from scraper.cli.output import err, out, print_model
from scraper.config.settings import load_settings


@app.command("prune", epilog=examples("scraper prune --dry-run", "scraper prune",
                                      "SCRAPER_KEEP=90d scraper prune --json"))
def prune(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would go."),
    as_json: bool = json_option("what was (or would be) pruned"),
) -> None:
    """Remove each watch's checks without changes beyond its --keep / --keep-checks (else
    SCRAPER_KEEP / SCRAPER_KEEP_CHECKS); checks with changes, the newest, the baseline and those
    evidence was made from stay."""
    from scraper.service.history import prune as prune_now
    from scraper.store import open_db

    settings = load_settings()
    report = prune_now(open_db(settings, missing="scraper prune"), settings, dry_run=dry_run)
    if as_json:
        print_model(report)
        return
    verb = "would prune" if dry_run else "pruned"
    for w in report.watches:
        out.print(Text(f"{w.watch_id} ({safe(w.watch)}): {verb} {w.checks} check"
                       f"{'s' if w.checks != 1 else ''}, {w.kept} kept"), soft_wrap=True)
    err.print(Text(f"{verb} {report.checks} checks" if report.watches
                   else "nothing to prune (no watch has checks beyond its limits)", style="dim"))
