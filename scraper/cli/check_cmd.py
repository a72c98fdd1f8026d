"""`scraper check`, `scraper history`, `scraper diff`: run checks and read what they found."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.console import Group
from rich.table import Table
from rich.text import Text

from scraper.base.errors import InputError, JobFailed
from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import json_option
from scraper.cli.output import err, out, print_json
from scraper.config.settings import load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from scraper.config.settings import Settings
    from scraper.pipeline.check import CheckResult

# The database layer and the browser are imported inside the commands: start-up stays lean.


def _resolve_watch_ids(ref: str | None, tags: list[str]) -> list[int]:
    """A watch id or name; a URL (an unwatched one becomes a new manual watch, whose first check
    is the baseline); or every watch with one of `tags`."""
    from sqlmodel import Session

    from scraper import store
    from scraper.base.urls import check_url
    from scraper.watches.operations import WatchSpec, add_watch, open_db, same_page_watches

    if (ref is None) == (not tags):
        raise InputError("give a watch (id, name or URL) or --tag, one of the two", where="ID")
    settings = load_settings()
    is_url = ref is not None and "://" in ref
    if is_url:
        check_url(ref or "")  # a bad URL is refused before the database is opened (or created)
    missing = f"no watch {ref!r}" if ref is not None else f"no watch is tagged {', '.join(tags)}"
    engine = open_db(settings, missing=None if is_url else missing)
    with Session(engine) as session:
        if tags:
            found = [w for w in store.list_watches(session) if set(tags) & set(w.tags)]
            if not found:
                raise InputError(f"no watch is tagged {', '.join(tags)}", where="--tag")
            return [w.id for w in found if w.id is not None]
        assert ref is not None
        if "://" not in ref:
            watch = store.get_watch(session, ref)
        elif same := same_page_watches(session, check_url(ref)):
            watch = same[0]  # the page is watched already: check that watch, never add another
            if len(same) > 1 or watch.url != ref:
                err.print(Text(f"checking watch {watch.id} ({safe(watch.name)}), which watches "
                               "this page"))
        else:
            watch = add_watch(engine, WatchSpec(ref), settings)
            err.print(Text(f"added watch {watch.id} ({safe(watch.name)}) for {safe(ref)}"))
        assert watch.id is not None
        return [watch.id]


def render_result(result: CheckResult) -> Group:
    """A check's outcome for a terminal."""
    from scraper.cli.changes_view import render_changes
    from scraper.model.changes import summarise

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
    from scraper.evidence.on_change import EvidenceOnChange
    from scraper.pipeline.check import run_check
    from scraper.watches.operations import open_db

    watch_ids = _resolve_watch_ids(ref, tags)
    settings = load_settings()
    engine = open_db(settings)
    results, unsent = [], 0
    evidence = EvidenceOnChange(settings)  # for the watches that keep evidence of their changes
    with BrowserSession(settings) as browser:
        for watch_id in watch_ids:
            result = run_check(engine, watch_id, browser, hook=evidence)
            reports = _reports(engine, settings, result, send)  # each check's own, sent as it is made
            unsent += sum(send and r["status"] in ("queued", "failed") for r in reports)
            results.append({**result.to_dict(), "reports": reports})
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


def _reports(engine: Engine, settings: Settings, result: CheckResult,
             send: bool) -> list[dict[str, Any]]:
    """The check's reports (one per target), after sending them if asked."""
    from sqlmodel import Session

    from scraper.reports import outbox
    from scraper.reports.delivery import deliver

    if send:
        deliver(engine, settings)
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


@app.command("history", epilog=examples("scraper history lavrov", "scraper history 3 -n 5 --json"))
def history(
    ref: str = typer.Argument(..., metavar="ID", help="Watch id or name."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=100_000, metavar="N",
                              help="Show the N newest."),
    as_json: bool = json_option("the checks"),
) -> None:
    """List a watch's checks, newest first."""
    from sqlmodel import Session

    from scraper import store
    from scraper.service.checks import history as history_page
    from scraper.watches.operations import open_db

    with Session(open_db(load_settings(), missing=f"no watch {ref!r}")) as session:
        watch = store.get_watch(session, ref)
        rows = history_page(session, watch, limit=limit).items
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
    from sqlmodel import Session

    from scraper import store
    from scraper.cli.changes_view import render_changes
    from scraper.model.changes import summarise
    from scraper.service.checks import diff as diff_checks
    from scraper.service.checks import diff_dict
    from scraper.watches.operations import open_db

    with Session(open_db(load_settings(), missing=f"no watch {ref!r}")) as session:
        watch = store.get_watch(session, ref)
        old, new, changes = diff_checks(session, watch, from_check, to_check)
    if as_json:
        print_json(diff_dict(watch, old, new, changes))
        return
    out.print(Text(f"watch {watch.id} ({safe(watch.name)}): check {old.id} → {new.id}", style="bold"))
    out.print(Text(safe(summarise(changes))))
    out.print(render_changes(changes))
