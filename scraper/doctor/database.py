"""Doctor: the database (password masked), whether it answers, and its schema against the code's.

Looking never creates anything: a SQLite file that is not there yet is reported, not opened (opening
would create it), and a server gets a bounded connect timeout.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from scraper import store
from scraper.base.errors import ScraperError
from scraper.config.settings import Settings
from scraper.doctor.files import writable_place
from scraper.doctor.result import Check

CONNECT_TIMEOUT_S = 5
# The driver option that bounds a connection attempt, by backend (SQLite has no server).
_TIMEOUT_OPTION = {"postgresql": "connect_timeout", "mysql": "connect_timeout"}


def check_database(settings: Settings) -> Check:
    try:
        url = store.database_url(settings.database_url)
    except ArgumentError:
        # Never echo the value: a URL that does not parse can still hold a password.
        return Check("database", False, "SCRAPER_DATABASE_URL is not a database URL",
                     fix="set it to an SQLAlchemy URL, e.g. postgresql://user:password@host/db",
                     facts={"url": None})
    shown = url.render_as_string(hide_password=True)
    password = url.password if isinstance(url.password, str) else None

    def scrub(text: str) -> str:
        return text.replace(password, "***") if password else text

    head = store.head_revision()
    facts: dict[str, object] = {"url": shown, "reachable": False, "revision": None, "head": head}
    missing = _missing_sqlite_file(url)
    if missing is not None:
        return _not_created(settings, shown, missing, facts)
    try:
        current = store.current_revision(_bounded(url).render_as_string(hide_password=False))
    except (ImportError, NoSuchModuleError) as exc:
        return Check("database", False, scrub(f"{shown}: no driver for it ({exc})"),
                     fix="for PostgreSQL: `pip install -e '.[postgres]'`", facts=facts)
    except (ScraperError, SQLAlchemyError) as exc:
        # The driver's own words (libpq never echoes the password), on one line.
        cause = exc.__cause__ if isinstance(exc, ScraperError) else exc
        reason = " ".join(str(getattr(cause, "orig", None) or cause or exc).split())
        return Check("database", False, scrub(f"{shown}: not reachable: {reason}"),
                     fix="start the database server, or correct SCRAPER_DATABASE_URL", facts=facts)
    facts.update(reachable=True, revision=current)
    return _schema(settings, shown, current, head, facts)


def _schema(settings: Settings, shown: str, current: str | None, head: str,
            facts: dict[str, object]) -> Check:
    at = f"{shown}: reachable, schema at {current or 'none (empty)'}, newest {head}"
    if current == head:
        return Check("database", True, at, facts=facts)
    if current is not None and not store.is_known_revision(current):
        return Check("database", False, at + " (written by a newer scraper)",
                     fix="upgrade scraper to the version that wrote this database", facts=facts)
    if settings.default_database:
        return Check("database", True, at + " (upgraded on first use)", facts=facts)
    return Check("database", False, at, fix="run `scraper db upgrade`", facts=facts)


def _missing_sqlite_file(url: URL) -> Path | None:
    """The path of a SQLite database file that does not exist yet; None otherwise."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None  # a sqlite URI: its options (mode=ro…) are the caller's business
    path = Path(database)
    return None if path.exists() else path


def _not_created(settings: Settings, shown: str, path: Path, facts: dict[str, object]) -> Check:
    place, problem = writable_place(path.parent)
    if problem:
        return Check("database", False, f"{shown}: not created yet, and cannot be: {problem}",
                     fix=f"make {place} writable, or point SCRAPER_HOME/SCRAPER_DATABASE_URL elsewhere",
                     facts=facts)
    if settings.default_database:
        return Check("database", True,
                     f"{shown}: not created yet (made at the newest schema, {facts['head']}, on first use)",
                     facts=facts)
    return Check("database", False, f"{shown}: not created yet",
                 fix="run `scraper db upgrade` to create it", facts=facts)


def _bounded(url: URL) -> URL:
    option = _TIMEOUT_OPTION.get(url.get_backend_name())
    if option is None or option in url.query:
        return url
    return url.update_query_dict({option: str(CONNECT_TIMEOUT_S)})
