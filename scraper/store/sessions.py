"""Dashboard sessions: made at login, looked up by the cookie's hash, revoked at logout.

A session token is 32 random bytes, so a plain SHA-256 is enough to store it (as for API tokens).
Rows past their end are deleted when a new session starts: the table holds live logins only.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from .models import WebSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, lifetime: timedelta) -> str:
    """A new session; its token (the cookie's value) is returned, never stored."""
    now = datetime.now(UTC)
    session.execute(delete(WebSession).where(col(WebSession.expires_at) < now))
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=_hash(token), created_at=now, expires_at=now + lifetime))
    session.flush()
    return token


def session_alive(session: Session, token: str) -> bool:
    row = session.exec(select(WebSession).where(WebSession.token_hash == _hash(token))).first()
    return row is not None and row.revoked_at is None and row.expires_at > datetime.now(UTC)


def revoke_session(session: Session, token: str) -> bool:
    """Revoke the session `token` names; False when there is no live one."""
    row = session.exec(select(WebSession).where(WebSession.token_hash == _hash(token))).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    session.add(row)
    session.flush()
    return True
