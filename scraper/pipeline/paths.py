"""Whether a check renders its page or fetches it plainly (`render: auto | always | never`, see
docs/fetch.md): the policy, from the paths the watch's latest checks took.

With `auto` a check renders *and* fetches plainly (`verify`) when nothing recent says which path
holds; the plain path is kept while a verification found both records the same, for
`every - 1` checks, then verified again. A page whose records differed stays rendered until the
next verification, which comes later each time they differ again in a row: after `every` checks,
then 2, 4, 8 and at most 16 times `every` (a thread drawn by JavaScript is not fetched and
extracted twice every tenth check for good); one verification that finds them the same goes back
to `every`. A plain record that looks short (comments of the base record gone, or a
warning such as the page's own comment count not met) is rendered again within the same check. A
plain fetch that fails is the check's failure, as a render's would be (retried by the same tries);
the next check verifies (a site that refuses plain clients goes back to the browser).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, func, select

from scraper.model.record import Record
from scraper.store import Check

# What a check row says in `render_path`.
RENDERED = "rendered"  # rendered only
PLAIN = "plain"  # fetched plainly only
VERIFIED = "verified"  # both, with the same record: plain from now on
DIVERGED = "diverged"  # both, with different records (or the plain fetch failed): rendered
PATHS = (RENDERED, PLAIN, VERIFIED, DIVERGED)

Plan = Literal["render", "plain", "verify"]
# A page that keeps diverging is verified every `every` checks, then twice, four, eight and at
# most this many times as far apart.
BACKOFF_MAX = 16


@dataclass(frozen=True)
class Diverging:
    """A page whose latest verification found the records different: how many checks ago (0: the
    latest check) and how many verifications in a row did."""
    since: int
    streak: int


def spacing(streak: int, every: int) -> int:
    """Checks from one verification of a diverging page to the next, after `streak` in a row."""
    return every * min(1 << max(streak - 1, 0), BACKOFF_MAX)


def plan(mode: str, recent: Sequence[tuple[str | None, str]], every: int,
         diverging: Diverging | None = None) -> Plan:
    """What this check does, for the watch's mode and the render paths and statuses of its latest
    checks (newest first, the last `every` at least), and `diverging` where `history` found one."""
    if mode == "always":
        return "render"
    if mode == "never":
        return "plain"
    if recent and recent[0] == (PLAIN, "failed"):
        return "verify"
    if diverging is not None:
        return "verify" if diverging.since + 1 >= spacing(diverging.streak, every) else "render"
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


def history(session: Session, watch_id: int, recent: Sequence[tuple[str | None, str]],
            every: int) -> Diverging | None:
    """How far back a diverging page was last verified, read only when `recent` (the latest
    `every` checks) does not settle it: a verification due by `every` whose latest one (if any is
    among them) diverged. The other checks pay no query for the backoff."""
    if len(recent) < every or (recent and recent[0] == (PLAIN, "failed")):
        return None
    latest = next(((n, path) for n, (path, _) in enumerate(recent[:every])
                   if path in (VERIFIED, DIVERGED)), None)
    if latest is not None and (latest[1] == VERIFIED or latest[0] + 1 < every):
        return None  # plain until due, or rendered: no backoff is shorter than `every`
    statement = (select(Check.id, Check.render_path).where(
        Check.watch_id == watch_id, col(Check.render_path).in_((VERIFIED, DIVERGED)))
        .order_by(col(Check.id).desc()).limit(BACKOFF_MAX.bit_length()))
    verifications = session.exec(statement).all()
    streak = next((n for n, (_, path) in enumerate(verifications) if path != DIVERGED),
                  len(verifications))
    if streak == 0:
        return None
    if latest is not None:
        return Diverging(latest[0], streak)
    since = session.exec(select(func.count()).select_from(Check).where(
        Check.watch_id == watch_id, col(Check.id) > verifications[0][0])).one()
    return Diverging(since, streak)


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
