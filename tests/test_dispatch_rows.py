"""What the scale-out's scheduler reads back of the dispatches that completed
(`scraper.store.dispatch.completed`), on both backends: several at once, each with its own watch
and its changes in the order stored, and nothing for a dispatch that wrote no row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from scraper.store import add_changes, add_check, add_watch, open_store
from scraper.store import dispatch as dispatches

T0 = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)


@pytest.fixture
def engine(migrated_db_url: str) -> Iterator[Engine]:
    engine = open_store(migrated_db_url, auto_upgrade=True)
    yield engine
    engine.dispose()


def test_completed_reads_each_dispatchs_check_watch_and_changes_together(engine: Engine) -> None:
    with Session(engine) as session:
        first = add_watch(session, name="first", url="https://a.example/1")
        second = add_watch(session, name="second", url="https://b.example/2")
        with_changes = add_check(session, first, started_at=T0, duration_ms=5, status="failed",
                                 error="boom", error_kind="network")
        with_changes.dispatch_id = "d-changes"
        add_changes(session, with_changes, [{"kind": "comment.added", "id": "2"},
                                            {"kind": "comment.added", "id": "1"},
                                            {"kind": "article.title"}], [True, False, True])
        without = add_check(session, second, started_at=T0, duration_ms=7, status="failed",
                            error="boom", error_kind="timeout")
        without.dispatch_id = "d-none"
        local = add_check(session, second, started_at=T0, duration_ms=9, status="failed",
                          error="local", error_kind="network")  # no dispatch: never read here
        session.commit()
        ids = (with_changes.id, without.id, local.id)

    # More ids than one IN (...) takes, the written ones last: every chunk is read.
    asked = [f"never-{n}" for n in range(dispatches._CHUNK)] + ["d-none", "d-changes"]
    with Session(engine) as session:
        found = dispatches.completed(session, asked)

    assert set(found) == {"d-changes", "d-none"}, f"only the two written dispatches: {set(found)}"
    check, watch, changes = found["d-changes"]
    assert (check.id, watch.name) == (ids[0], "first")
    assert [(c.data.get("id"), c.notify) for c in changes] == [("2", True), ("1", False), (None, True)], \
        "its changes, in the order they were stored"
    check, watch, changes = found["d-none"]
    assert (check.id, check.error_kind, watch.name, changes) == (ids[1], "timeout", "second", [])
