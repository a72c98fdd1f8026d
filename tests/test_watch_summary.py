"""One watch summary for `watch list`, `scraper status`, the dashboard and the API: right for every
kind of watch, and read with a bounded number of SQL statements however many watches there are."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, insert
from sqlmodel import Session

from scraper.config.settings import load_settings
from scraper.service import summary, watches
from scraper.store import Change, Check, Watch

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
# Enough that one statement per watch would show at once (and above SQLite's old limit of 999
# bound parameters); the cost at 10,000 watches is the benchmarks' (docs/benchmarks.md), not a test's.
WATCHES = 2_000


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs meanwhile."""
    statements: list[str] = []

    def note(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def seed(engine: Engine, count: int) -> None:
    """`count` watches, in four kinds by id: n % 4 == 0 never checked; 1 ok with a reported change;
    2 ok then failed three times (a streak since the first failure); 3 paused, failed once, cron."""
    watch_rows, check_rows, change_rows = [], [], []
    check_id = 0
    for n in range(1, count + 1):
        kind = n % 4
        watch_rows.append({"id": n, "name": f"w{n}", "url": f"https://example.org/{n}",
                           "schedule_kind": "cron" if kind == 3 else "interval",
                           "schedule": "0 * * * *" if kind == 3 else "15m", "paused": kind == 3,
                           "created_at": T0})
        statuses = {0: [], 1: ["ok", "ok"], 2: ["ok", "failed", "failed", "failed"], 3: ["failed"]}[kind]
        for k, status in enumerate(statuses):
            check_id += 1
            check_rows.append({"id": check_id, "watch_id": n, "started_at": T0 + timedelta(minutes=k),
                               "duration_ms": 7, "status": status, "url": f"https://example.org/{n}",
                               "error": "HTTP 500" if status == "failed" else None})
            if kind == 1 and k == 1:
                change_rows.append({"check_id": check_id, "watch_id": n, "kind": "comment_added",
                                    "notify": True, "data": {"kind": "comment_added", "comment": {
                                        "id": "c1", "author": "Zoe", "text": "hi"}}})
    with Session(engine) as session:
        session.execute(insert(Watch), watch_rows)
        session.execute(insert(Check), check_rows)
        session.execute(insert(Change), change_rows)
        session.commit()


def test_status_of_2000_watches_in_a_bounded_number_of_statements(local_engine: Engine) -> None:
    seed(local_engine, WATCHES)
    with counted(local_engine) as statements:
        report = summary.status(local_engine, now=NOW)
    assert len(statements) <= 6, statements  # one per fact, not one per watch
    rows = {w.id: w for w in report.watches}
    assert len(rows) == WATCHES

    never, changed, failing, paused = rows[4], rows[1], rows[2], rows[3]
    assert never.last_check is None and never.failing is None and never.last_change is None
    assert never.next_run == "2026-11-30T10:00:00Z"  # never checked: due now
    assert changed.last_check is not None and changed.last_check.status == "ok"
    assert changed.last_change is not None and changed.last_change.at == "2026-11-30T09:01:00Z"
    assert "comment" in changed.last_change.summary
    assert changed.failing is None and changed.schedule == "every 15m"
    assert failing.failing is not None
    assert (failing.failing.checks, failing.failing.since) == (3, "2026-11-30T09:01:00Z")
    assert failing.last_check is not None and failing.last_check.error == "HTTP 500"
    assert paused.next_run is None and paused.failing is not None and paused.failing.checks == 1
    assert paused.schedule == "cron 0 * * * *"


def test_watch_list_of_2000_watches_in_a_bounded_number_of_statements(local_engine: Engine) -> None:
    seed(local_engine, WATCHES)
    settings = load_settings()
    with counted(local_engine) as statements:
        listed = watches.list_all(local_engine, settings).root
    assert len(statements) <= 6, statements
    assert len(listed) == WATCHES
    by_id = {w.id: w for w in listed}
    assert by_id[2].failing_streak == 3 and by_id[1].failing_streak == 0
    assert by_id[1].last_change_kind == "comment_added" and by_id[1].last_change == "2026-11-30T09:01:00Z"
    # A page of the dashboard asks about its own watches only, in as few statements.
    with counted(local_engine) as statements:
        page = watches.list_page(local_engine, settings, status="failing", limit=50)
    assert len(statements) <= 6, statements
    assert [w.id for w in page.items][:3] == [2, 3, 6] and page.next_cursor is not None
    assert all(w.failing_streak >= 1 for w in page.items)
