"""Schema migrations on both backends: real history, no data loss, no drift from the models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from scraper.base.errors import InputError
from scraper.model.record import Article, Comment, Record
from scraper.store import (
    Snapshot,
    add_changes,
    add_check,
    alembic_config,
    changes_for_check,
    current_revision,
    get_watch,
    head_revision,
    is_known_revision,
    list_checks,
    load_record,
    make_engine,
    metadata,
    open_store,
    snapshot_content,
    upgrade,
)
from scraper.store.db import HEAD_REVISION


def first_revision() -> str:
    base = ScriptDirectory.from_config(alembic_config()).get_base()
    assert base is not None, "no migrations"
    return base


# Every new embedded database here runs the migrations themselves (tests/fixtures/store.py).
pytestmark = pytest.mark.real_migrations

FIRST = first_revision()
T0 = datetime(2026, 11, 27, 11, 42, 30, tzinfo=UTC)
# How each backend spells T0 in plain SQL (SQLite: the UTC wall time, as models.UTCDateTime writes).
T0_SQL = {"sqlite": "2026-11-27 11:42:30.000000", "postgresql": "2026-11-27 11:42:30+00"}

RECORD = Record(
    url="https://example.org/post",
    final_url="https://example.org/post/",
    fetched_at="2026-11-27T11:42:30Z",
    profile="wordpress",
    article=Article(title="Old", text="One.\n\nTwo.", tags=["x"]),
    comments=[Comment(id="1", author="Ann", text="Première")],
)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A plain engine on the (not yet migrated) test database, for raw SQL."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def insert_first_revision_rows(engine: Engine) -> None:
    """Rows as the first schema knew them, written with plain SQL as an old scraper would have."""
    at = T0_SQL[engine.dialect.name]
    with engine.begin() as connection:
        connection.execute(
            text(
                'INSERT INTO watches (name, url, profile, notify_on, "ignore", normalise, confirm,'
                " paused, created_at, schedule_kind, schedule) VALUES ('old', :url, 'wordpress',"
                " NULL, '[\"#respond\"]', '[]', 2, FALSE, :at, 'interval', '15m')"
            ),
            {"url": RECORD.url, "at": at},
        )
        connection.execute(
            text("INSERT INTO snapshots (hash, content, created_at) VALUES (:hash, :content, :at)"),
            {"hash": RECORD.content_hash(), "content": snapshot_content(RECORD), "at": at},
        )
        for status, snapshot in [("ok", RECORD.content_hash()), ("failed", None)]:
            connection.execute(
                text(
                    "INSERT INTO checks (watch_id, started_at, duration_ms, status, error,"
                    " snapshot_hash, url, final_url, profile) SELECT id, :at, 1200, :status, NULL,"
                    " :snapshot, url, :final_url, profile FROM watches WHERE name = 'old'"
                ),
                {"at": at, "status": status, "snapshot": snapshot, "final_url": RECORD.final_url},
            )


def test_upgrade_from_the_first_revision_keeps_the_rows(db_url: str, engine: Engine) -> None:
    upgrade(db_url, FIRST)
    assert current_revision(db_url) == FIRST != head_revision()
    insert_first_revision_rows(engine)

    upgrade(db_url)
    upgrade(db_url)  # already at head: nothing to do
    assert current_revision(db_url) == head_revision()

    with Session(engine) as session:
        watch = get_watch(session, "old")
        assert (watch.ignore, watch.normalise, watch.notify_on) == (["#respond"], [], None)
        assert (watch.confirm, watch.paused, watch.created_at) == (2, False, T0)
        # The new columns start empty on old rows.
        assert (watch.base_check_id, watch.pending_hash, watch.pending_count) == (None, None, 0)
        assert watch.id is not None
        failed, ok = list_checks(session, watch.id)  # same started_at: newest id first
        assert (ok.status, failed.status) == ("ok", "failed")
        assert load_record(session, ok) == RECORD

        # The new table and columns work on the old rows.
        add_changes(session, ok, [{"kind": "article.title", "old": "Old", "new": "New"}], [True])
        watch.base_check_id, watch.pending_hash, watch.pending_count = ok.id, "abc", 1
        add_check(session, watch, started_at=T0, duration_ms=1, status="ok", record=RECORD)
        session.commit()
        assert ok.id is not None
        assert [c.kind for c in changes_for_check(session, ok.id)] == ["article.title"]
        assert len(session.exec(select(Snapshot)).all()) == 1


def test_constraints_survive_the_sqlite_table_rebuild(db_url: str, engine: Engine) -> None:
    # 0002 rebuilds `watches` on SQLite; a CHECK constraint lost there would pass unnoticed.
    upgrade(db_url)
    statement = text(
        "INSERT INTO watches (name, url, created_at, schedule_kind)"
        " VALUES ('w', 'https://x/', :at, 'hourly')"
    )
    refused = pytest.raises(IntegrityError, match=r"ck_watches_schedule_kind|CHECK constraint")
    with refused, engine.begin() as connection:
        connection.execute(statement, {"at": T0_SQL[engine.dialect.name]})


def test_models_match_the_migrated_schema(db_url: str, engine: Engine) -> None:
    upgrade(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_downgrade_to_nothing_and_back(db_url: str, engine: Engine) -> None:
    # Through the alembic command with only a URL: the path `alembic` itself takes through env.py.
    upgrade(db_url)
    command.downgrade(alembic_config(db_url), "base")
    assert current_revision(db_url) is None
    upgrade(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def with_password(db_url: str) -> str:
    """The URL with a password in it (PostgreSQL's trust auth ignores it; SQLite has none)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        return db_url
    return url.set(password="s3cret-pw").render_as_string(hide_password=False)


def test_open_store_refuses_an_old_database(db_url: str) -> None:
    upgrade(db_url, FIRST)
    url = with_password(db_url)
    with pytest.raises(InputError) as refused:
        open_store(url, auto_upgrade=False)
    message = str(refused.value)
    assert f"is at revision {FIRST}, the code needs {head_revision()}" in message
    assert "run `scraper db upgrade`" in message
    assert "s3cret" not in message
    assert current_revision(db_url) == FIRST  # refused means untouched

    open_store(url, auto_upgrade=True).dispose()
    assert current_revision(db_url) == head_revision()


def test_open_store_refuses_an_empty_database_without_auto_upgrade(db_url: str) -> None:
    with pytest.raises(InputError, match=r"revision none \(empty\).*scraper db upgrade"):
        open_store(db_url, auto_upgrade=False)


def test_open_store_refuses_a_database_from_a_newer_scraper(db_url: str, engine: Engine) -> None:
    upgrade(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(InputError, match="revision 9999, which this version of scraper does not"):
        open_store(db_url, auto_upgrade=True)
    assert current_revision(db_url) == "9999"


# Revision ids that released databases may hold in alembic_version: they must stay known forever.
RELEASED_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009")


def migration_files() -> list[tuple[int, str, str, str | None]]:
    """(numeric prefix, file name, revision, down_revision) for each file, sorted by prefix."""
    scripts = ScriptDirectory.from_config(alembic_config())
    files = []
    for script in scripts.walk_revisions():
        name = Path(script.path).name
        prefix, _, _ = name.partition("_")
        assert prefix.isdigit(), f"{name}: a migration file's name starts with its number, NNNN_"
        down = script.down_revision
        assert down is None or isinstance(down, str), f"{name}: a merge; keep the chain straight"
        files.append((int(prefix), name, script.revision, down))
    return sorted(files)


def test_the_migrations_have_exactly_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"more than one head: {heads}; the new migration revises the newest one"
    assert heads[0] == HEAD_REVISION, (
        f"the newest migration is {heads[0]}: set HEAD_REVISION in scraper/store/db.py to it")


def test_the_file_numbers_follow_the_chain() -> None:
    files = migration_files()
    assert [prefix for prefix, *_ in files] == list(range(1, len(files) + 1)), "gaps or repeats"
    previous: tuple[str, str | None] = ("(none)", None)
    for _, name, revision, down in files:
        assert down == previous[1], (
            f"{name} revises {down!r}, but the file before it, {previous[0]}, is revision "
            f"{previous[1]!r}: number a new migration one past the newest file and set its "
            "down_revision to that file's revision id"
        )
        previous = (name, revision)
    assert previous[1] == head_revision()


def test_released_revision_ids_stay_known() -> None:
    for revision in RELEASED_REVISIONS:
        assert is_known_revision(revision), f"a database at {revision} could no longer upgrade"
