"""`scraper check`, `scraper history`, `scraper diff`: run checks and read what they found."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Group
from rich.text import Text

from scraper.base.errors import InputError, JobFailed
from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import json_option, wide_option
from scraper.cli.output import err, out, print_json
from scraper.config.settings import Settings, load_settings

if TYPE_CHECKING:
    from scraper.pipeline.check import CheckResult
    from scraper.service.outbox import OutboxRow

# The database layer and the browser are imported inside the commands: start-up stays lean.


def _resolve_watch_ids(ref: str | None, tags: list[str], settings: Settings) -> list[int]:
    """A watch id or name; a URL (an unwatched one becomes a new manual watch, whose first check
    is the baseline); or every watch with one of `tags`."""
    from scraper.base.urls import check_url
    from scraper.service import watches
    from scraper.store import open_db

    if (ref is None) == (not tags):
        raise InputError("give a watch (id, name or URL) or --tag, one of the two", where="ID")
    is_url = ref is not None and "://" in ref
    if is_url:
        check_url(ref or "")  # a bad URL is refused before the database is opened (or created)
    missing = f"no watch {ref!r}" if ref is not None else f"no watch is tagged {', '.join(tags)}"
    targets = watches.resolve(open_db(settings, missing=None if is_url else missing), settings, ref, tags)
    if targets.matched is not None:
        err.print(Text(f"checking watch {targets.matched.id} ({safe(targets.matched.name)}), which "
                       "watches this page"))
    if targets.added is not None:
        err.print(Text(f"added watch {targets.added.id} ({safe(targets.added.name)}) for {safe(ref or '')}"))
    return targets.watch_ids


def render_result(result: CheckResult) -> Group:
    """A check's outcome for a terminal."""
    from scraper.cli.changes_view import render_changes
    from scraper.model.changes import summarise

    c = result.check
    head = Text()
    head.append(f"watch {result.watch.id} ({safe(result.watch.name)})", style="bold")
    path = f" · {c.render_path}" if c.render_path else ""
    head.append(f" · check {c.id} · {c.status} · {c.duration_ms} ms{path}\n", style="dim")
    if c.status == "failed":
        head.append("check failed: ", style="bold red")
        head.append(safe(c.error or ""))
        return Group(head)
    for warning in c.warnings or []:
        head.append("partial: ", style="bold yellow")
        head.append(safe(warning) + "\n")
    if result.pending:
        head.append(f"change seen {result.watch.pending_count}/{result.watch.confirm} times; "
                    "reported once confirmed\n", style="yellow")
    if result.baseline:
        head.append("first check: this record is the baseline later checks are compared with\n")
        return Group(head)
    head.append(safe(summarise([ch for ch in result.changes if ch.notify])) + "\n")
    if result.evidence is not None:
        head.append("evidence bundle: ", style="bold")
        head.append(str(result.evidence) + "\n")
    return Group(head, render_changes(result.changes))


@app.command("check", epilog=examples(
    "scraper check lavrov",
    "scraper check https://example.org/post/   # a new page becomes a manual watch",
    "scraper check --tag news --json",
))
def check(
    ref: str | None = typer.Argument(None, metavar="ID|URL", help="Watch id, name or URL."),
    tags: list[str] = typer.Option([], "--tag", metavar="TAG",
                                   help="Check every watch with this tag (repeatable)."),
    send: bool = typer.Option(False, "--send", help="Send its report now (else the daemon sends it)."),
    as_json: bool = json_option('{"watch", "check", "changes", "reports"} (with --tag: a list of them)'),
) -> None:
    """Run a check now, store it (its report is queued), and print what changed since the last
    good one."""
    from scraper.browser import BrowserSession
    from scraper.service import watches
    from scraper.store import open_db

    settings = load_settings()
    watch_ids = _resolve_watch_ids(ref, tags, settings)
    engine = open_db(settings)
    results, unsent = [], 0
    with BrowserSession(settings) as browser:
        for watch_id in watch_ids:
            run = watches.check_now(engine, settings, watch_id, browser, send=send)  # sent as made
            result, reports = run.result, run.reports
            unsent += sum(send and r.status in ("queued", "failed") for r in reports)
            results.append(run.dumped())
            if not as_json:
                # One failed check is said in one line, on stderr, through main().
                if result.check.status != "failed" or len(watch_ids) > 1:
                    out.print(render_result(result))
                for r in reports:  # a failed check can be reported too (`failing`)
                    out.print(_report_line(r))
    if as_json:
        print_json(results if tags else results[0])
    failed = [r for r in results if r["check"]["status"] == "failed"]
    if len(results) == 1 and failed:
        w, c = failed[0]["watch"], failed[0]["check"]
        raise JobFailed(f"watch {w['id']} ({w['name']}) check {c['id']} failed: {c['error']} "
                        f"({c['error_kind']})")
    if failed:
        raise JobFailed(f"{len(failed)} of {len(results)} checks failed: "
                        + ", ".join(r["watch"]["name"] for r in failed))
    if unsent:
        stored = "the check is stored" if len(results) == 1 else "the checks are stored"
        raise JobFailed(f"{stored}, but {unsent} report(s) could not be sent; "
                        "they stay in the outbox (`scraper outbox`, `scraper outbox retry`)")


def _report_line(report: OutboxRow) -> Text:
    line = Text("report to ")
    line.append(safe(report.to))
    described = {"waiting": f"waiting for its digest ({report.due_at})",
                 "queued": "queued" + (" (will retry)" if report.last_error else ""),
                 "bundled": "sent in a digest"}.get(report.status, report.status)
    line.append(f": {described}", style={"sent": "green", "failed": "red"}.get(report.status, "yellow"))
    if report.last_error:
        line.append(" · " + safe(report.last_error), style="red")
    return line


@app.command("history", epilog=examples("scraper history lavrov", "scraper history 3 -n 5 --json"))
def history(
    ref: str = typer.Argument(..., metavar="ID", help="Watch id or name."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=100_000, metavar="N",
                              help="Show the N newest."),
    wide: bool = wide_option(),
    as_json: bool = json_option("the checks"),
) -> None:
    """List a watch's checks, newest first."""
    from scraper.service.checks import history as history_page
    from scraper.store import open_db

    found = history_page(open_db(load_settings(), missing=f"no watch {ref!r}"), ref, limit=limit)
    if as_json:
        print_json(found.model_dump())
        return
    from scraper.cli.fit import Column, fitted, print_fitted
    from scraper.cli.watch_view import relative

    columns = [Column("check"), Column("started"), Column("took", priority=2), Column("status"),
               Column("path", priority=3), Column("changes", priority=1),
               Column("hash / error", cut="end", least=16)]
    cells: list[list[str | Text]] = []
    for r in found.checks:
        status_style = {"ok": "green", "failed": "red", "mismatch": "yellow"}.get(r.status, "")
        error = f"{r.error_kind}: {r.error}" if r.error_kind else str(r.error)
        detail = Text(safe(error), style="red") if r.error else Text((r.hash or "")[:12])
        cells.append([str(r.id), relative(r.started_at),
                      f"{r.duration_ms / 1000:.1f}s", Text(r.status, style=status_style),
                      r.render_path or "", str(r.changes), detail])
    print_fitted(fitted(columns, cells, out.width, wide=wide), wide=wide)


@app.command("diff", epilog=examples("scraper diff lavrov", "scraper diff 3 --from 12 --to 15"))
def diff(
    ref: str = typer.Argument(..., metavar="ID", help="Watch id or name."),
    from_check: int | None = typer.Option(None, "--from", metavar="CHECK",
                                          help="Check id (default: the one before --to)."),
    to_check: int | None = typer.Option(None, "--to", metavar="CHECK",
                                        help="Check id (default: the latest with a record)."),
    as_json: bool = json_option("the changes"),
) -> None:
    """Show the changes between any two stored records of a watch."""
    from scraper.cli.changes_view import render_changes
    from scraper.model.changes import summarise
    from scraper.service.checks import diff as diff_checks
    from scraper.store import open_db

    found = diff_checks(open_db(load_settings(), missing=f"no watch {ref!r}"), ref, from_check, to_check)
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    out.print(Text(f"watch {found.watch.id} ({safe(found.watch.name)}): check {found.from_} → {found.to}",
                   style="bold"))
    out.print(Text(safe(summarise(found.changes))))
    out.print(render_changes(found.changes))
