"""Lists a page at a time, as every list of the application layer returns them:
`{"items", "next_cursor"}` (pass `cursor=next_cursor` for the next page; null: no more), and the
cursor and limit every list takes."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

from scraper.base.errors import Invalid

Item = TypeVar("Item")
MAX_LIMIT = 500


def cursor_id(cursor: str | None, name: str = "cursor") -> int | None:
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit():
        raise Invalid(f"{name} {cursor!r}: not a cursor this list gave", where=name)
    return int(cursor)


def check_limit(limit: int, most: int = MAX_LIMIT) -> int:
    if not 1 <= limit <= most:
        raise Invalid(f"limit {limit}: give 1 to {most}", where="limit")
    return limit


class Paged(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = None
