"""Dashboard logins: start one, check one, end one (server-side, so logging out is final)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from scraper.store import sessions as rows


def start(engine: Engine, lifetime: timedelta) -> str:
    """A new session's token: the cookie's value, shown to the browser only."""
    with Session(engine) as session:
        token = rows.start_session(session, lifetime)
        session.commit()
        return token


def alive(engine: Engine, token: str) -> bool:
    with Session(engine) as session:
        return rows.session_alive(session, token)


def end(engine: Engine, token: str) -> bool:
    """Revoke the session: its cookie opens nothing from now on, wherever it was copied to."""
    with Session(engine) as session:
        revoked = rows.revoke_session(session, token)
        session.commit()
        return revoked
