"""`scraper db upgrade|current`: the database schema, migrated with Alembic."""

from __future__ import annotations

import typer
from rich.text import Text

from scraper.cli.app import app, examples
from scraper.cli.output import out
from scraper.config.settings import load_settings

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _where(url: str) -> str:
    from scraper import store

    return store.database_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade", epilog=examples(
    "scraper db upgrade",
    "SCRAPER_DATABASE_URL=postgresql://scraper@db.example/scraper scraper db upgrade",
))
def upgrade() -> None:
    """Upgrade the database (SCRAPER_DATABASE_URL, or the SQLite default) to the newest schema."""
    from scraper import store

    url = load_settings().database_url
    before = store.current_revision(url)
    store.upgrade(url)
    after = store.current_revision(url)
    out.print(Text(f"{_where(url)}: {before or 'empty'} → {after}"))


@db_app.command("current", epilog=examples("scraper db current"))
def current() -> None:
    """Show the database's schema revision and the newest one this version knows."""
    from scraper import store

    url = load_settings().database_url
    out.print(Text(f"{_where(url)}: at {store.current_revision(url) or 'empty'}, "
                   f"newest {store.head_revision()}"))
