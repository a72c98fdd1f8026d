"""Engines and schema migrations for the store (SQLite file or PostgreSQL).

The alembic migrations live inside the package (`migrations/`) and their Config is built here, in
code, so `upgrade` works the same from a checkout and from an installed wheel (no alembic.ini).

A database URL can carry a password: every message names the database with `_where()`, which
hides it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger
from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from scraper.base.errors import InputError, JobFailed, NotFound

if TYPE_CHECKING:
    from alembic.config import Config

    from scraper.config.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest migration's revision id. Opening a database compares its revision with this, so the
# commands that only read (`scraper status`, `watch list`) start without alembic (~0.1 s) and
# without reading every migration file; alembic itself is loaded to upgrade or to look a revision
# up. tests/test_migrations.py checks that this is alembic's head.
HEAD_REVISION = "0016"

# Long enough to ride out another process's write (a check, an upgrade), short enough to report a
# stuck lock instead of hanging forever (SCRAPER_DB_BUSY_TIMEOUT sets it).
DEFAULT_BUSY_TIMEOUT = 15.0

_PG_DRIVERS = {"postgresql", "postgres"}


class BadDatabaseUrl(InputError, ArgumentError):
    """Not a database URL this scraper can open. Never carries the value: a URL that does not
    parse can still hold a password."""


def database_url(url: str) -> URL:
    """Parse `url`, giving bare PostgreSQL URLs the psycopg (v3) driver we ship with; an unknown
    backend (`garbage://`) fails here, as bad input, before anything is opened."""
    try:
        parsed = make_url(url)
        if parsed.drivername in _PG_DRIVERS:
            parsed = parsed.set(drivername="postgresql+psycopg")
        # The backend's dialect and its driver: NoSuchModuleError or ImportError when unknown.
        parsed.get_dialect().import_dbapi()
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        backend = ""
        if isinstance(exc, NoSuchModuleError):
            backend = f"no database backend {exc.args[0].rsplit(':', 1)[-1]!r}; "
        elif isinstance(exc, ImportError):
            backend = f"its driver is not installed ({exc.name}); "
        raise BadDatabaseUrl(f"SCRAPER_DATABASE_URL is not a database URL scraper can open "
                             f"({backend}give sqlite:///PATH or postgresql://user:password@host/db)",
                             where="SCRAPER_DATABASE_URL") from None
    return parsed


def make_engine(url: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    """The engine the application uses: SQLite in WAL mode with foreign keys on, or PostgreSQL.

    `busy_timeout`: seconds a statement waits for another writer's lock before failing (SQLite's
    busy timeout; PostgreSQL's lock_timeout)."""
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, migrating=False, busy_timeout=busy_timeout)
    options = f"-c lock_timeout={int(busy_timeout * 1000)}"
    return create_engine(parsed, pool_pre_ping=True, connect_args={"options": options})


def migration_engine(url: str) -> Engine:
    """The engine migrations run on; see `_sqlite_engine` for how it differs on SQLite."""
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, migrating=True)
    return create_engine(parsed)


def _sqlite_engine(url: URL, *, migrating: bool, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    _create_parent_folder(url)
    engine = create_engine(url)
    # Migrations differ in two ways. Foreign keys are OFF: alembic rebuilds a table to alter it on
    # SQLite (copy, DROP, rename), and with them ON the DROP would cascade-delete the child rows
    # (env.py runs `PRAGMA foreign_key_check` before committing instead). And the whole upgrade is
    # one `BEGIN IMMEDIATE` transaction: Python's sqlite3 would otherwise autocommit each DDL
    # statement (a failure would leave half a migration), and two processes upgrading at once are
    # serialised by the write lock rather than both creating the same tables.
    foreign_keys = "OFF" if migrating else "ON"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if migrating:
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        # PRAGMAs are per connection (WAL persists in the file, but setting it is free); they must
        # run outside a transaction, which is why they live here. Never VACUUM: it rewrites the
        # whole file under an exclusive lock.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={foreign_keys}")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: the database cannot be
        # corrupted, and a power cut loses at most the last checks (their pages are checked again).
        # A check commits three times (lease, record, release): ~8 ms of fsync each (issue 25).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    if migrating:

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _create_parent_folder(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return  # in memory, or a sqlite URI the caller manages
    Path(database).parent.mkdir(parents=True, exist_ok=True)


def _where(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def alembic_config(url: str | None = None) -> Config:
    """Alembic's Config, built in code; `url` may be None when no database is needed."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        # The Config is a configparser: a literal "%" (URL-escaped passwords) must be doubled.
        full = database_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", full.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The revision the code needs."""
    return HEAD_REVISION


def current_revision(url: str) -> str | None:
    """The revision the database is at; None for an empty database, or a SQLite file not there
    yet (left so: asking creates nothing)."""
    path = _sqlite_file(url)
    if path is not None and not path.exists():
        return None
    engine = make_engine(url)
    try:
        return _current_revision(engine)
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the migrations up to `revision`, in one transaction. Never drops data."""
    engine = migration_engine(url)
    try:
        _upgrade(engine, revision)
    finally:
        engine.dispose()


def open_store(url: str, *, auto_upgrade: bool, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    """An engine on a database at the code's revision, upgrading it first if `auto_upgrade`.

    Without `auto_upgrade` a database behind the code is refused (InputError naming the command
    that fixes it), never changed behind the operator's back. A database ahead of the code (written
    by a newer scraper) is always refused: this code cannot know what the newer schema means.
    """
    engine = make_engine(url, busy_timeout)
    try:
        _ensure_head(engine, url, auto_upgrade=auto_upgrade)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _ensure_head(engine: Engine, url: str, *, auto_upgrade: bool) -> None:
    where = _where(engine.url)
    current, head = _current_revision(engine), HEAD_REVISION
    if current == head:
        return
    if current is not None and not is_known_revision(current):
        raise InputError(
            f"database at {where} is at revision {current}, which this version of scraper does "
            f"not know (it needs {head}): the database was upgraded by a newer scraper; "
            "upgrade scraper"
        )
    if not auto_upgrade:
        raise InputError(
            f"database at {where} is at revision {current or 'none (empty)'}, the code needs "
            f"{head}: run `scraper db upgrade`"
        )
    logger.info("upgrading database at {} from {} to {}", where, current or "empty", head)
    upgrade(url, "head")


def _current_revision(engine: Engine) -> str | None:
    """What alembic's `MigrationContext.get_current_revision` says, read without alembic."""
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError as exc:
        # exc.orig is the driver's message (libpq never echoes the password); str(exc) adds SQL.
        raise JobFailed(f"cannot open the database at {_where(engine.url)}: {exc.orig}") from exc


def is_known_revision(revision: str) -> bool:
    """Whether this code's migrations include `revision` (False: a newer scraper wrote it)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:  # alembic's wrapper for "no such revision"
        return False


def _upgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    # Hand env.py a connection already in a transaction: the upgrade commits as one unit, on the
    # engine configured above.
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_db(settings: Settings, *, missing: str | None = None, read_only: bool = False) -> Engine:
    """The store; the embedded SQLite default upgrades itself, a configured server must be upgraded
    with `scraper db upgrade`.

    `missing`: the command only reads what is there (a watch by id or name): if the embedded
    database does not exist yet, fail with this message instead of creating an empty one.
    `read_only`: the command only lists what is there: a SQLite database that does not exist yet,
    or a server's database without the schema, reads as an empty one, held in memory; nothing is
    created (not a file, not its folder, not a table).
    """
    path = _sqlite_file(settings.database_url)
    if missing is not None and settings.default_database and path and not path.exists():
        raise NotFound(f"{missing}: there are no watches yet (no database at {path})")
    if read_only and (not path.exists() if path else current_revision(settings.database_url) is None):
        return empty_store()  # no SQLite file yet, or a server's database with no schema yet
    return open_store(settings.database_url, auto_upgrade=settings.default_database,
                      busy_timeout=settings.busy_timeout)


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for a server, memory, or a `file:` URI."""
    parsed = database_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" \
            or database.startswith("file:"):
        return None
    return Path(database)


def empty_store() -> Engine:
    """An empty store in memory, at the code's schema (the models are checked against the
    migrations, tests/test_migrations.py): what a listing reads where no database exists yet."""
    from sqlalchemy.pool import StaticPool

    from scraper.store.models import metadata

    # One connection, whichever thread asks: an in-memory database lives as long as it does.
    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    return engine
