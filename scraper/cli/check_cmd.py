"""`scraper check`, `scraper history`, `scraper diff`: run checks and read what they found."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.console import Group
from rich.table import Table
from rich.text import Text

from scraper.cli.app import app
from scraper.cli.output import err, out, print_json
from scraper.errors import InputError, JobFailed
from scraper.settings import load_settings
from scraper.terminal import safe

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

    from scraper.checking import CheckResult
    from scraper.store import Check

# The database layer and the browser are imported inside the commands: start-up stays lean.


def _resolve_watch_id(ref: str) -> int:
    """A watch id or name, or a URL: an unknown URL becomes a new manual watch (its first check is
    the baseline)."""
    from sqlmodel import Session

    from scraper import store
    from scraper.urls import check_url
    from scraper.watches import WatchSpec, add_watch, open_db

    settings = load_settings()
    if "://" in ref:
        check_url(ref)  # a bad URL is refused before the database is opened (or created)
    engine = open_db(settings, missing=None if "://" in ref else f"no watch {ref!r}")
    with Session(engine) as session:
        if "://" not in ref:
            watch = store.get_watch(session, ref)
        elif (found := store.find_watch_by_url(session, check_url(ref))) is not None:
            watch = found
        else:
            watch = add_watch(engine, WatchSpec(url=ref), settings)
            err.print(Text(f"added watch {watch.id} ({safe(watch.name)}) for {safe(ref)}"))
        assert watch.id is not None
        return watch.id


def render_result(result: CheckResult) -> Group:
    """A check's outcome for a terminal."""
    from scraper.changes import summarise
    from scraper.changes_view import render_changes

    c = result.check
    head = Text()
    head.append(f"watch {result.watch.id} ({safe(result.watch.name)})", style="bold")
    head.append(f" · check {c.id} · {c.status} · {c.duration_ms} ms\n", style="dim")
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


@app.command("check")
def check(
    ref: str = typer.Argument(..., help="Watch id, name or URL."),
    send: bool = typer.Option(False, "--send", help="Send its report now (else the daemon sends it)."),
    as_json: bool = typer.Option(False, "--json", help='{"watch", "check", "changes", "reports"} as JSON.'),
) -> None:
    """Run one check now, store it (its report is queued), and print what changed."""
    from scraper.browser import BrowserSession
    from scraper.checking import run_check
    from scraper.watches import open_db

    watch_id = _resolve_watch_id(ref)
    settings = load_settings()
    engine = open_db(settings)
    with BrowserSession(settings) as browser:
        result = run_check(engine, watch_id, browser)
    reports = _reports(engine, result, send)
    failed = result.check.status == "failed"
    if as_json:
        print_json({**result.to_dict(), "reports": reports})
    else:
        if not failed:  # a failed check is said in one line, on stderr, through main()
            out.print(render_result(result))
        for r in reports:  # a failed check can be reported too (`failing`)
            out.print(_report_line(r))
    if failed:
        raise JobFailed(f"watch {result.watch.id} ({result.watch.name}) check {result.check.id} "
                        f"failed: {result.check.error} ({result.check.error_kind})")
    unsent = [r for r in reports if send and r["status"] in ("queued", "failed")]
    if unsent:
        raise JobFailed(f"the check is stored, but {len(unsent)} report(s) could not be sent; "
                        "they stay in the outbox (`scraper outbox`, `scraper outbox retry`)")


def _reports(engine: Engine, result: CheckResult, send: bool) -> list[dict[str, Any]]:
    """The check's reports (one per target), after sending them if asked."""
    from sqlmodel import Session

    from scraper.reports import outbox
    from scraper.reports.delivery import deliver

    if send:
        deliver(engine, load_settings())
    assert result.check.id is not None
    with Session(engine) as session:
        return [outbox.row_dict(row) for row in outbox.of_check(session, result.check.id)]


def _report_line(report: dict[str, Any]) -> Text:
    line = Text("report to ")
    line.append(safe(str(report["to"])))
    status = str(report["status"])
    described = {"waiting": f"waiting for its digest ({report['due_at']})",
                 "queued": "queued" + (" (will retry)" if report["last_error"] else ""),
                 "bundled": "sent in a digest"}.get(status, status)
    line.append(f": {described}", style={"sent": "green", "failed": "red"}.get(status, "yellow"))
    if report["last_error"]:
        line.append(" · " + safe(str(report["last_error"])), style="red")
    return line


@app.command("history")
def history(
    ref: str = typer.Argument(..., help="Watch id or name."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=100_000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List a watch's checks, newest first."""
    from sqlmodel import Session

    from scraper import store
    from scraper.checking import check_dict
    from scraper.watches import open_db

    with Session(open_db(load_settings(), missing=f"no watch {ref!r}")) as session:
        watch = store.get_watch(session, ref)
        assert watch.id is not None
        rows = []
        for c in store.list_checks(session, watch.id, limit=limit):
            assert c.id is not None
            changes = store.changes_for_check(session, c.id)
            rows.append({**check_dict(c), "changes": len(changes),
                         "reported": sum(1 for ch in changes if ch.notify)})
    if as_json:
        print_json({"watch": {"id": watch.id, "name": watch.name, "url": watch.url}, "checks": rows})
        return
    table = Table("check", "started (UTC)", "ms", "status", "changes", "hash / error")
    for r in rows:
        status_style = {"ok": "green", "failed": "red", "mismatch": "yellow"}.get(str(r["status"]), "")
        error = f"{r['error_kind']}: {r['error']}" if r["error_kind"] else str(r["error"])
        detail = Text(safe(error), style="red") if r["error"] else Text(str(r["hash"] or "")[:12])
        table.add_row(str(r["id"]), str(r["started_at"]), str(r["duration_ms"]),
                      Text(str(r["status"]), style=status_style), str(r["changes"]), detail)
    out.print(table)


def _with_record(session: Session, watch_id: int, check_id: int | None, before: int | None) -> Check:
    """The given check, or the newest one with a record (before check `before`)."""
    from scraper import store

    if check_id is not None:
        return store.get_check(session, watch_id, check_id)
    found = store.last_check_with_snapshot(session, watch_id, status=None, before=before)
    if found is None:
        raise InputError(f"watch {watch_id} has no {'earlier ' if before else ''}check with a record")
    return found


@app.command("diff")
def diff(
    ref: str = typer.Argument(..., help="Watch id or name."),
    from_check: int | None = typer.Option(None, "--from", help="Check id (default: the one before --to)."),
    to_check: int | None = typer.Option(None, "--to", help="Check id (default: the latest with a record)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show the changes between any two stored records of a watch."""
    from sqlmodel import Session

    from scraper import store
    from scraper.changes import detect_changes, summarise
    from scraper.changes_view import render_changes
    from scraper.watches import open_db

    with Session(open_db(load_settings(), missing=f"no watch {ref!r}")) as session:
        watch = store.get_watch(session, ref)
        assert watch.id is not None
        new = _with_record(session, watch.id, to_check, None)
        old = _with_record(session, watch.id, from_check, new.id)
        changes = detect_changes(store.load_record(session, old), store.load_record(session, new))
    if as_json:
        print_json({"watch": {"id": watch.id, "name": watch.name}, "from": old.id, "to": new.id,
                    "changes": [c.to_dict() for c in changes]})
        return
    out.print(Text(f"watch {watch.id} ({safe(watch.name)}): check {old.id} → {new.id}", style="bold"))
    out.print(Text(safe(summarise(changes))))
    out.print(render_changes(changes))
