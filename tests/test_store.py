"""The store's repository on both backends: a fresh SQLite file and a fresh PostgreSQL database."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, text
from sqlmodel import Session, col, select

from scraper.base.errors import InputError
from scraper.model.record import Article, Comment, Record
from scraper.store import (
    Change,
    Check,
    Crop,
    Snapshot,
    Watch,
    add_changes,
    add_check,
    add_check_crops,
    add_watch,
    changes_for_check,
    crops_for_checks,
    database_url,
    find_watch_by_url,
    get_check,
    get_watch,
    keep_screen,
    last_check_with_snapshot,
    last_screen,
    list_checks,
    list_watches,
    load_record,
    make_engine,
    open_store,
    put_crop,
    put_snapshot,
    remove_watch,
    set_paused,
    snapshot_content,
)

T0 = datetime(2026, 11, 27, 11, 42, 30, tzinfo=UTC)


@pytest.fixture
def engine(migrated_db_url: str) -> Iterator[Engine]:
    engine = open_store(migrated_db_url, auto_upgrade=True)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def record(text: str = "First paragraph.\n\nSecond — with ünïcode.", *, at: datetime = T0) -> Record:
    return Record(
        url="https://example.org/post",
        final_url="https://example.org/post/",
        fetched_at=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        profile="wordpress",
        article=Article(title="Title", author="Ann", text=text, tags=["a", "b"], likes=3),
        comments=[
            Comment(id="1", author="Bo", text="Hi 👋"),
            Comment(id="2", parent_id="1", author="Cy", published="2026-11-27", text="Hey"),
            Comment(author="anon", text="no id"),
        ],
    )


def count(session: Session, model: type[Watch | Check | Snapshot | Change]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_watch_crud(session: Session) -> None:
    first = add_watch(session, name="example", url="https://example.org/post", profile="wordpress")
    second = add_watch(session, name="other", url="https://other.org/", schedule_kind="interval",
                       schedule="15m")
    session.commit()
    assert first.id is not None and second.id is not None

    assert get_watch(session, str(first.id)).name == "example"
    assert get_watch(session, "other").id == second.id
    assert find_watch_by_url(session, "https://other.org/") == second
    assert find_watch_by_url(session, "https://nowhere.org/") is None
    assert [w.name for w in list_watches(session)] == ["example", "other"]

    set_paused(session, first, True)
    session.commit()
    assert [w.name for w in list_watches(session, paused=True)] == ["example"]
    assert [w.name for w in list_watches(session, paused=False)] == ["other"]
    assert (first.confirm, first.pending_count, first.base_check_id) == (1, 0, None)


def test_duplicate_name_is_an_input_error(session: Session) -> None:
    add_watch(session, name="example", url="https://example.org/a")
    session.commit()
    with pytest.raises(InputError, match="'example' already exists"):
        add_watch(session, name="example", url="https://example.org/b")


def test_missing_watch_and_check_are_input_errors(session: Session) -> None:
    with pytest.raises(InputError, match="no watch 'ghost'"):
        get_watch(session, "ghost")
    with pytest.raises(InputError, match="no watch '42'"):
        get_watch(session, "42")
    watch = add_watch(session, name="w", url="https://example.org/")
    other = add_watch(session, name="v", url="https://example.org/v")
    check = add_check(session, other, started_at=T0, duration_ms=5, status="ok", record=record())
    assert watch.id is not None and check.id is not None
    with pytest.raises(InputError, match=f"watch {watch.id} has no check {check.id}"):
        get_check(session, watch.id, check.id)


def test_unchanged_record_is_stored_once(session: Session) -> None:
    watch = add_watch(session, name="w", url="https://example.org/post")
    one = add_check(session, watch, started_at=T0, duration_ms=900, status="ok", record=record())
    later = T0 + timedelta(minutes=15)
    two = add_check(session, watch, started_at=later, duration_ms=800, status="ok",
                    record=record(at=later))
    session.commit()

    assert one.snapshot_hash == two.snapshot_hash == record().content_hash()
    assert count(session, Snapshot) == 1
    assert count(session, Check) == 2

    add_check(session, watch, started_at=later + timedelta(minutes=15), duration_ms=700,
              status="ok", record=record("Edited."))
    session.commit()
    assert count(session, Snapshot) == 2


def test_put_snapshot_twice_is_a_no_op(session: Session) -> None:
    assert put_snapshot(session, record()) == put_snapshot(session, record())
    session.commit()
    assert count(session, Snapshot) == 1


def test_snapshot_content_hashes_to_its_key(session: Session) -> None:
    # Lets anyone verify a snapshot; fails if Record.content_hash() changes its canonical form.
    digest = put_snapshot(session, record())
    session.commit()
    stored = session.get_one(Snapshot, digest)
    assert hashlib.sha256(stored.content.encode()).hexdigest() == digest
    assert stored.content == snapshot_content(record())


def test_load_record_equals_the_original(engine: Engine) -> None:
    original = record()
    with Session(engine) as session:
        watch = add_watch(session, name="w", url="https://example.org/post")
        check_id = add_check(session, watch, started_at=T0, duration_ms=1, status="ok",
                             record=original).id
        session.commit()
    with Session(engine) as session:  # a new session: read back from the database
        check = session.get_one(Check, check_id)
        assert load_record(session, check) == original


def test_failed_check_has_no_snapshot(session: Session) -> None:
    watch = add_watch(session, name="w", url="https://example.org/post", profile="wordpress")
    failed = add_check(session, watch, started_at=T0, duration_ms=45000, status="failed",
                       error="timeout after 45s")
    session.commit()
    assert failed.snapshot_hash is None
    assert (failed.url, failed.final_url, failed.profile) == (watch.url, None, "wordpress")
    with pytest.raises(InputError, match="has no record"):
        load_record(session, failed)
    with pytest.raises(ValueError, match="needs the record"):
        add_check(session, watch, started_at=T0, duration_ms=1, status="ok")


def test_check_history(session: Session) -> None:
    watch = add_watch(session, name="w", url="https://example.org/post")
    assert watch.id is not None
    assert last_check_with_snapshot(session, watch.id) is None
    ok = add_check(session, watch, started_at=T0, duration_ms=1, status="ok", record=record())
    add_check(session, watch, started_at=T0 + timedelta(minutes=1), duration_ms=1,
              status="failed", error="boom")
    newest = add_check(session, watch, started_at=T0 + timedelta(minutes=2), duration_ms=1,
                       status="mismatch", record=record(""))
    session.commit()

    assert [c.status for c in list_checks(session, watch.id)] == ["mismatch", "failed", "ok"]
    assert [c.status for c in list_checks(session, watch.id, limit=1)] == ["mismatch"]
    assert last_check_with_snapshot(session, watch.id) == ok
    assert last_check_with_snapshot(session, watch.id, status=None) == newest
    assert ok.id is not None
    assert get_check(session, watch.id, ok.id) == ok


def test_remove_watch_cleans_checks_changes_and_unused_snapshots(session: Session) -> None:
    gone = add_watch(session, name="gone", url="https://example.org/post")
    kept = add_watch(session, name="kept", url="https://example.org/post")
    shared = add_check(session, gone, started_at=T0, duration_ms=1, status="ok", record=record())
    only_gone = add_check(session, gone, started_at=T0 + timedelta(minutes=1), duration_ms=1,
                          status="ok", record=record("Only here."))
    add_check(session, gone, started_at=T0 + timedelta(minutes=2), duration_ms=1, status="failed")
    add_changes(session, only_gone, [{"kind": "article.text", "old": "a", "new": "b"}], [True])
    kept_check = add_check(session, kept, started_at=T0, duration_ms=1, status="ok",
                           record=record())
    add_changes(session, kept_check, [{"kind": "comment.added", "id": "9"}], [False])
    gone.base_check_id = only_gone.id  # the watch points at a check that is about to go
    shared_hash = shared.snapshot_hash
    session.commit()
    assert count(session, Snapshot) == 2

    remove_watch(session, gone)
    session.commit()

    assert [w.name for w in list_watches(session)] == ["kept"]
    assert count(session, Check) == 1
    assert [c.kind for c in session.exec(select(Change))] == ["comment.added"]
    # The shared snapshot is still used by "kept"; the other one is gone.
    assert [s.hash for s in session.exec(select(Snapshot))] == [shared_hash]
    assert load_record(session, kept_check).article == record().article


def test_json_columns_round_trip(engine: Engine) -> None:
    normalise = [{"regex": r"\d+ (minutes|hours) ago", "replace": ""}]
    change = {"kind": "comment.edited", "id": "2", "old": "Hey", "new": "Hé 👋",
              "path": ["comments", 1], "extra": {"n": None, "ok": True, "x": 1.5}}
    with Session(engine) as session:
        watch = add_watch(session, name="w", url="https://example.org/", notify_on=["comment.added"],
                          ignore=["#respond", ".sharedaddy"], normalise=normalise, confirm=2)
        plain = add_watch(session, name="plain", url="https://example.org/2")
        check = add_check(session, watch, started_at=T0, duration_ms=1, status="ok",
                          record=record())
        add_changes(session, check, [change, {"kind": "article.title"}], [True, False])
        ids = watch.id, plain.id, check.id
        session.commit()
    with Session(engine) as session:
        watch, plain = session.get_one(Watch, ids[0]), session.get_one(Watch, ids[1])
        assert watch.notify_on == ["comment.added"]
        assert watch.ignore == ["#respond", ".sharedaddy"]
        assert watch.normalise == normalise
        assert watch.confirm == 2
        assert (plain.notify_on, plain.ignore, plain.normalise) == (None, [], [])
        stored = changes_for_check(session, ids[2] or 0)
        assert [(c.kind, c.data, c.notify) for c in stored] == [
            ("comment.edited", change, True),
            ("article.title", {"kind": "article.title"}, False),
        ]
        # "all kinds" is SQL NULL, not the JSON text 'null'.
        nulls = session.exec(select(func.count()).where(col(Watch.notify_on).is_(None))).one()
        assert nulls == 1


def test_datetimes_are_aware_utc(engine: Engine) -> None:
    paris = timezone(timedelta(hours=1))
    local = datetime(2026, 11, 27, 12, 42, 30, 123456, tzinfo=paris)
    with Session(engine) as session:
        watch = add_watch(session, name="w", url="https://example.org/", created_at=local)
        check = add_check(session, watch, started_at=local, duration_ms=1, status="ok",
                          record=record())
        ids = watch.id, check.id
        session.commit()
    with Session(engine) as session:
        watch = session.get_one(Watch, ids[0])
        check = session.get_one(Check, ids[1])
        assert watch.created_at == check.started_at == local
        assert check.started_at.tzinfo == UTC
        assert load_record(session, check).fetched_at == "2026-11-27T11:42:30Z"
        with pytest.raises(Exception, match="naive datetime"):
            add_check(session, watch, started_at=datetime(2026, 1, 1), duration_ms=1,
                      status="failed")


def test_sqlite_is_in_wal_mode_and_enforces_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "scraper.db"  # the parent folders are created
    engine = open_store(f"sqlite:///{path}", auto_upgrade=True)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15_000
            with pytest.raises(Exception, match="FOREIGN KEY"):
                connection.execute(text(
                    "INSERT INTO checks (watch_id, started_at, duration_ms, status, url) "
                    "VALUES (999, '2026-01-01 00:00:00', 1, 'failed', 'https://x/')"
                ))
    finally:
        engine.dispose()
    with sqlite3.connect(path) as raw:  # WAL is a property of the file, seen by any client
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgres://u:secret@db.example/scraper", "postgresql+psycopg"),
        ("postgresql://u:secret@db.example/scraper", "postgresql+psycopg"),
        ("postgresql+psycopg://u:secret@db.example/scraper", "postgresql+psycopg"),
        ("sqlite:///storage/scraper.db", "sqlite"),
    ],
)
def test_database_urls_get_the_psycopg_driver(given: str, driver: str) -> None:
    assert database_url(given).drivername == driver
    if driver != "sqlite":
        engine = make_engine(given)  # no connection is made until first use
        assert engine.dialect.driver == "psycopg"
        assert "secret" not in engine.url.render_as_string(hide_password=True)
        engine.dispose()


def test_crops_are_stored_once_and_go_with_the_checks_that_show_them(session: Session) -> None:
    one = add_watch(session, name="w", url="https://example.org/post")
    two = add_watch(session, name="v", url="https://example.org/v")
    first = add_check(session, one, started_at=T0, duration_ms=5, status="ok", record=record())
    other = add_check(session, two, started_at=T0, duration_ms=5, status="ok", record=record())
    assert first.id is not None and other.id is not None and one.id is not None
    digest = put_crop(session, b"\x89PNG same picture", "image/png")
    assert put_crop(session, b"\x89PNG same picture", "image/png") == digest  # stored once
    own = put_crop(session, b"\x89PNG only the first watch's", "image/png")
    add_check_crops(session, first.id, {"comment:1": (digest, [0, 10, 600, 90]),
                                        "paragraph:2": (own, [0, 0, 600, 40])})
    add_check_crops(session, other.id, {"comment:7": (digest, [0, 0, 10, 10])})
    keep_screen(session, one.id, first.id, "sig", b"jpeg", {"items": []})
    session.commit()
    found = crops_for_checks(session, [first.id, other.id])
    assert {c: sorted(items) for c, items in found.items()} == {
        first.id: ["comment:1", "paragraph:2"], other.id: ["comment:7"]}
    assert found[first.id]["comment:1"].box == [0, 10, 600, 90]

    remove_watch(session, one)
    session.commit()
    # The other watch's check still shows the shared picture; the first watch's own one is gone.
    assert sorted(session.exec(select(Crop.hash))) == [digest]
    assert crops_for_checks(session, [other.id])[other.id]["comment:7"].crop_hash == digest
    assert last_screen(session, one.id) is None


def test_a_lease_freed_in_the_write_is_freed_at_its_commit_and_only_its_owners(engine: Engine) -> None:
    """`Held.release_in` frees the lease with the watch row of the caller's transaction (a check's
    write); `held` then leaves it alone. A lease that expired and was taken by another meanwhile
    stays the other's."""
    from scraper.store import lease

    with Session(engine) as session:
        watch_id = add_watch(session, url="https://example.org/lease", name="lease").id
        session.commit()
    assert watch_id is not None
    with lease.held(engine, watch_id, ttl=60, wait=0) as held:
        with Session(engine) as session:
            watch = session.get_one(Watch, watch_id)
            assert watch.lease_owner == held.owner
            held.release_in(watch)
            assert lease.holder(engine, watch_id)[0] == held.owner, "freed before the commit"
            session.commit()
        held.released = True
        assert lease.holder(engine, watch_id) == (None, None)
        assert lease.try_acquire(engine, watch_id, "next", ttl=60), "the next check takes it at once"
    assert lease.holder(engine, watch_id)[0] == "next", "held's exit must not free another's lease"
    with Session(engine) as session:
        watch = session.get_one(Watch, watch_id)
        lease.Held(watch_id, "expired owner").release_in(watch)
        session.commit()
    assert lease.holder(engine, watch_id)[0] == "next"
