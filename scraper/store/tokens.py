"""API tokens: created once (the caller shows the token once), kept as a SHA-256, revoked by id.

A token is 32 random bytes: a plain SHA-256 is enough to store it (no dictionary to guess from),
and looking one up by its hash is a single indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from scraper.base.errors import InputError
from scraper.base.times import iso

from .models import ApiToken

PREFIX = "scr_"
SHOWN = 8  # characters of the token after PREFIX that `token list` shows
# Writing last_used_at on every request would make every API read a write: once a minute is enough.
TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str) -> tuple[ApiToken, str]:
    """A new token row and the token itself (never stored, never shown again)."""
    if not name.strip():
        raise InputError("token name: give a name saying who or what uses it")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name.strip(), prefix=token[: len(PREFIX) + SHOWN], token_hash=token_hash(token))
    session.add(row)
    session.flush()
    return row, token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.id))))


def revoke_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise InputError(f"no token {token_id} (see `scraper token list`)")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.add(row)
        session.flush()
    return row


def verify_token(session: Session, token: str) -> ApiToken | None:
    """The live token row for `token`, or None; its last use is noted (at most once a minute)."""
    if not token.startswith(PREFIX):
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    now = datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now
        session.add(row)
        session.commit()
    return row


def token_dict(row: ApiToken) -> dict[str, object]:
    return {"id": row.id, "name": row.name, "prefix": row.prefix + "…", "created_at": iso(row.created_at),
            "last_used_at": iso(row.last_used_at), "revoked_at": iso(row.revoked_at)}
