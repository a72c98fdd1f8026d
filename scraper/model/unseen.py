"""A partial capture and the comments it did not see. Pure: records in, a record out.

A capture with warnings (a "load more" control left, fewer comments than the page announces, a
ready wait that timed out) cannot tell a removed comment from one it never loaded. The comments of
the base record it lacks are therefore unknown, not removed: they are kept, each after the comment
that preceded it, so change detection reports no removal and the next complete capture compares
with the whole thread.
"""

from __future__ import annotations

from scraper.model.record import Comment, Record


def carry_unseen(base: Record | None, new: Record) -> Record:
    """`new` with the base's comments it lacks put back, when `new` is partial; else `new`.

    A partial capture with no comment at all is left alone: every comment vanishing at once is a
    widget that failed, which change detection reports as such.
    """
    if base is None or not new.partial or not new.comments:
        return new
    seen = {c.key() for c in new.comments}
    merged: list[Comment] = list(new.comments)
    carried = 0
    for i, comment in enumerate(base.comments):
        if comment.key() in seen:
            continue
        before = {c.key() for c in base.comments[:i]}
        # Right after the last comment that preceded it in the base (or first, if none did).
        at = max((n + 1 for n, c in enumerate(merged) if c.key() in before), default=0)
        merged.insert(at, comment)
        carried += 1
    if not carried:
        return new
    note = (f"{carried} comment{'s' if carried != 1 else ''} not seen in this partial capture "
            "kept from the last good check")
    return new.model_copy(update={"comments": merged, "warnings": [*new.warnings, note]})
