"""Which changed item a picture shows, and how many pictures one report carries.

A change names its item by `item_key`: `comment:KEY` (Comment.key(): the site's id, else a
fingerprint) or `paragraph:N`; the crops of a check are stored under those keys
(`scraper.evidence.crops`). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scraper.model.record import Comment

# A report carries at most this many pictures, and this many bytes of them; the rest are on the
# dashboard ("N more on the dashboard"). A crop is 600 px wide, typically 10-60 kB.
MAX_PICTURES = 12
MAX_PICTURE_BYTES = 1_500_000
WIDTH = 600


def item_key(change: Mapping[str, Any]) -> str | None:
    kind = change.get("kind")
    if kind in ("comment_added", "comment_removed"):
        comment = change.get("comment") or {}
        key = comment.get("id") or _fingerprint(comment)
        return f"comment:{key}"
    if kind == "comment_edited" and change.get("comment_id"):
        return f"comment:{change['comment_id']}"
    if kind == "article_edited" and change.get("paragraph"):
        return f"paragraph:{change['paragraph']}"
    return None


def _fingerprint(comment: Mapping[str, Any]) -> str:
    return Comment.model_validate(comment).fingerprint()


def chosen(wanted: Iterable[tuple[str, int]]) -> tuple[set[str], int]:
    """Of the pictures (cid, size) in report order, those that fit in one report; and how many
    are left out."""
    kept: set[str] = set()
    total = left = 0
    for cid, size in wanted:
        if cid in kept:
            continue
        if len(kept) >= MAX_PICTURES or total + size > MAX_PICTURE_BYTES:
            left += 1
            continue
        kept.add(cid)
        total += size
    return kept, left
