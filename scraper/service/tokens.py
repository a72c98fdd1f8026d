"""API tokens: create one (its secret shown this once), list them, revoke one, and the check the
API makes of a bearer token."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from scraper.base.times import iso
from scraper.store import ApiToken
from scraper.store import tokens as rows


class TokenInfo(BaseModel):
    """A token as `scraper token list --json` shows it: never the token itself, only its first
    characters."""

    id: int
    name: str
    prefix: str
    created_at: str | None
    last_used_at: str | None
    revoked_at: str | None

    @classmethod
    def of(cls, row: ApiToken) -> TokenInfo:
        return cls(id=row.id or 0, name=row.name, prefix=row.prefix + "…", created_at=iso(row.created_at),
                   last_used_at=iso(row.last_used_at), revoked_at=iso(row.revoked_at))


class NewToken(TokenInfo):
    """A token just created, with its secret (shown this once, never stored)."""

    token: str


def create(engine: Engine, name: str) -> NewToken:
    with Session(engine) as session:
        row, token = rows.create_token(session, name)
        session.commit()
        return NewToken(**TokenInfo.of(row).model_dump(), token=token)


def listing(engine: Engine) -> list[TokenInfo]:
    with Session(engine) as session:
        return [TokenInfo.of(r) for r in rows.list_tokens(session)]


def revoke(engine: Engine, token_id: int) -> TokenInfo:
    """Revoke token `token_id`: the API refuses it from now on (revoking it again changes nothing)."""
    with Session(engine) as session:
        row = rows.revoke_token(session, token_id)
        session.commit()
        return TokenInfo.of(row)


def verify(engine: Engine, token: str) -> TokenInfo | None:
    """The live token `token` is, or None (unknown or revoked); its last use is noted (at most
    once a minute)."""
    with Session(engine) as session:
        row = rows.verify_token(session, token)
        return None if row is None else TokenInfo.of(row)
