"""A page of a list, as every list of the application layer returns it: `{"items", "next_cursor"}`
(pass `cursor=next_cursor` for the next page; null: no more)."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

Item = TypeVar("Item")


class Paged(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = None
