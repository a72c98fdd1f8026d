"""Alembic environment: runs the migrations on the connection `scraper.store.db` hands over.

`scraper.store.db` builds the Config in code and passes an open connection, already inside a
transaction, as `config.attributes["connection"]`. Run from the alembic command line instead, this
builds its own engine from `sqlalchemy.url` through the same `migration_engine`, so SQLite gets the
same pragmas and locking either way.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from scraper.store.db import migration_engine
from scraper.store.models import metadata

# Any fixed number: the key of the advisory lock that serialises concurrent upgrades on PostgreSQL.
_PG_UPGRADE_LOCK = 0x5C4A9E5


def _run(connection: Connection) -> None:
    # render_as_batch: SQLite alters a table by rebuilding it, which alembic does in batch mode.
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Held until commit: a second process waits, then finds the database at head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_UPGRADE_LOCK})
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            _check_foreign_keys(connection)


def _check_foreign_keys(connection: Connection) -> None:
    # SQLite migrations run with foreign keys OFF (see db._sqlite_engine), so check before commit.
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration left rows with broken foreign keys: {broken[:5]}")


def _main() -> None:
    if context.is_offline_mode():
        raise RuntimeError("offline (--sql) migrations are not supported: SQLite needs a connection")
    given = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no sqlalchemy.url: use scraper.store.db.alembic_config(url)")
    engine = migration_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


_main()
