"""`scraper status`: what the daemon is doing with each watch, from the store."""

from __future__ import annotations

import gc

from rich.table import Table
from rich.text import Text

from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import json_option
from scraper.cli.output import out, print_model
from scraper.config.settings import load_settings


@app.command("status", epilog=examples(
    "scraper status",
    "scraper status --json",
))
def status(as_json: bool = json_option("every watch's status")) -> None:
    """Each watch: its last check, next run, last change and failure streak."""
    from scraper.service import summary
    from scraper.store import open_db

    engine = open_db(load_settings(), missing="scraper status")
    # Everything loaded so far lives as long as the command: frozen, the collector's passes while
    # 10,000 watches' rows are built skip it (~0.1 s of ~1 s).
    gc.freeze()
    report = summary.status(engine)
    if as_json:
        print_model(report)
        return
    rows = report.dumped()["watches"]
    table = Table("watch", "last check (UTC)", "status", "next run (UTC)", "last change", "failing")
    for r in rows:
        last = r["last_check"]
        style = {"ok": "green", "failed": "red", "mismatch": "yellow"}.get(last["status"] if last else "", "")
        change = r["last_change"]
        failing = r["failing"]
        table.add_row(
            Text(f"{r['id']} {safe(r['name'])}"),
            last["started_at"] if last else "-",
            Text(last["status"] if last else "never", style=style),
            "paused" if r["paused"] else (r["next_run"] or "manual"),
            Text(f"{change['at']} {change['summary']}") if change else "-",
            Text(f"{failing['checks']} since {failing['since']}", style="red") if failing else "-",
        )
    out.print(table)
