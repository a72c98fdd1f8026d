"""`scraper status`: what the daemon is doing with each watch, from the store."""

from __future__ import annotations

import gc

from rich.text import Text

from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import json_option, wide_option
from scraper.cli.output import out, print_model
from scraper.config.settings import load_settings


@app.command("status", epilog=examples(
    "scraper status",
    "scraper status --wide",
    "scraper status --json",
))
def status(
    wide: bool = wide_option(),
    as_json: bool = json_option("every watch's status"),
) -> None:
    """Each watch: its last check, next run, last change and failure streak."""
    from scraper.cli.fit import Column, fitted, print_fitted
    from scraper.cli.watch_view import relative
    from scraper.service import summary
    from scraper.store import open_db

    engine = open_db(load_settings(), read_only=True)
    # Everything loaded so far lives as long as the command: frozen, the collector's passes while
    # 10,000 watches' rows are built skip it (~0.1 s of ~1 s).
    gc.freeze()
    report = summary.status(engine)
    if as_json:
        print_model(report)
        return
    rows = report.dumped()["watches"]
    columns = [Column("watch", cut="end", least=16), Column("checked"), Column("status"),
               Column("next"), Column("last change", priority=2, cut="end", least=16),
               Column("failing", priority=1, cut="end", least=12)]
    cells: list[list[str | Text]] = []
    for r in rows:
        last = r["last_check"]
        style = {"ok": "green", "failed": "red", "mismatch": "yellow"}.get(last["status"] if last else "", "")
        change = r["last_change"]
        failing = r["failing"]
        cells.append([
            Text(f"{r['id']} {safe(r['name'])}"),
            relative(last["started_at"]) if last else "-",
            Text(last["status"] if last else "never", style=style),
            "paused" if r["paused"] else (relative(r["next_run"]) if r["next_run"] else "manual"),
            Text(f"{relative(change['at'])}: {safe(change['summary'])}") if change else "-",
            Text(f"{failing['checks']} checks, since {relative(failing['since'])}", style="red")
            if failing else "-",
        ])
    print_fitted(fitted(columns, cells, out.width, wide=wide), wide=wide)
