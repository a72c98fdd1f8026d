"""Whether a check renders its page or fetches it plainly (`render: auto | always | never`, see
docs/fetch.md): the policy, from the paths the watch's latest checks took.

With `auto` a check renders *and* fetches plainly (`verify`) when nothing recent says which path
holds; the plain path is kept while a verification found both records the same, for
`every - 1` checks, then verified again. A page whose records differed stays rendered until the
next verification. A plain record that looks short (comments of the base record gone, or a
warning such as the page's own comment count not met) is rendered again within the same check. A
plain fetch that fails is the check's failure, as a render's would be (retried by the same tries);
the next check verifies (a site that refuses plain clients goes back to the browser).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlmodel import Session, col, select

from scraper.model.record import Record
from scraper.store import Check

# What a check row says in `render_path`.
RENDERED = "rendered"  # rendered only
PLAIN = "plain"  # fetched plainly only
VERIFIED = "verified"  # both, with the same record: plain from now on
DIVERGED = "diverged"  # both, with different records (or the plain fetch failed): rendered
PATHS = (RENDERED, PLAIN, VERIFIED, DIVERGED)

Plan = Literal["render", "plain", "verify"]


def plan(mode: str, recent: Sequence[tuple[str | None, str]], every: int) -> Plan:
    """What this check does, for the watch's mode and the render paths and statuses of its latest
    checks (newest first)."""
    if mode == "always":
        return "render"
    if mode == "never":
        return "plain"
    if recent and recent[0] == (PLAIN, "failed"):
        return "verify"
    for n, (path, _) in enumerate(recent[:every]):
        if path in (VERIFIED, DIVERGED):
            if n + 1 >= every:
                return "verify"
            return "plain" if path == VERIFIED else "render"
    return "verify"


def recent_paths(session: Session, watch_id: int, every: int) -> list[tuple[str | None, str]]:
    statement = (select(Check.render_path, Check.status).where(Check.watch_id == watch_id)
                 .order_by(col(Check.id).desc()).limit(every))
    return [(path, status) for path, status in session.exec(statement).all()]


def same(rendered: Record, plain: Record) -> bool:
    """Whether the plain record says all the rendered one does: the same content, profile and
    warnings (when and where it was fetched aside)."""
    return (rendered.content_hash() == plain.content_hash() and rendered.profile == plain.profile
            and rendered.warnings == plain.warnings)


def looks_short(plain: Record, base: Record | None) -> bool:
    """A plain record worth a render: it warns (a comment count not met, split pages), or comments
    of the base record are missing from it."""
    if plain.warnings:
        return True
    if base is None:
        return False
    ids = {c.id for c in plain.comments}
    return any(c.id not in ids for c in base.comments)
