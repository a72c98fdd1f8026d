"""A watch on a page with the real Isso comment widget (issue 3).

Comments are posted, edited and deleted through Isso's REST API (tests/fixtures/isso.py) between
checks; each check renders the page in the real Chromium and compares it with the last one. The
change lists must match exactly, with the ids Isso assigned.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.pipeline.check import CheckResult, run_check
from scraper.watches.operations import WatchSpec, add_watch
from tests.fixtures.isso import IssoClient

pytestmark = pytest.mark.browser

DELETED = "Comment deleted."  # what the widget shows for a deleted comment that still has replies
ANONYMOUS = "Anonymous"  # the widget's name for a comment without an author


def comment(isso_comment: dict[str, Any], author: str, text: str) -> dict[str, Any]:
    """The record's comment for what Isso returned: its id, parent and creation time (the widget
    prints `created` as a UTC <time datetime>, the fraction dropped)."""
    parent = isso_comment["parent"]
    return {
        "id": str(isso_comment["id"]),
        "parent_id": None if parent is None else str(parent),
        "author": author,
        "published": datetime.fromtimestamp(int(isso_comment["created"]), UTC).isoformat(),
        "text": text,
    }


def check(engine: Engine, watch_id: int, chromium: BrowserSession) -> CheckResult:
    result = run_check(engine, watch_id, chromium)
    assert (result.check.status, result.check.profile) == ("ok", "isso"), result.check.error
    return result


def changes(result: CheckResult) -> list[dict[str, Any]]:
    return [c.to_dict() for c in result.changes]


def test_post_reply_edit_and_delete_are_reported_exactly(
    isso: IssoClient, chromium: BrowserSession, local_engine: Engine
) -> None:
    a = isso.post("The lamps are too bright.", "Morag")
    watch = add_watch(local_engine, WatchSpec(url=isso.page_url), load_settings())
    assert watch.id is not None
    first = check(local_engine, watch.id, chromium)
    assert (first.baseline, changes(first)) == (True, [])

    # A new top-level comment and a reply: reported in page order (the reply sits under Morag's).
    b = isso.post("Who paid for the lanterns?", "Iain")
    r = isso.post("They are meant to be seen from the sea.", "Cy", parent=a["id"])
    assert r["parent"] == a["id"]
    assert changes(check(local_engine, watch.id, chromium)) == [
        {"kind": "comment_added", "notify": True,
         "comment": comment(r, "Cy", "They are meant to be seen from the sea.")},
        {"kind": "comment_added", "notify": True,
         "comment": comment(b, "Iain", "Who paid for the lanterns?")},
    ]

    # PUT /id/N: the same comment (id, author, date) with new text.
    isso.edit(b["id"], "Who paid for the lanterns? The trust, it seems.")
    assert changes(check(local_engine, watch.id, chromium)) == [{
        "kind": "comment_edited", "comment_id": str(b["id"]), "author": "Iain", "field": "text",
        "old": "Who paid for the lanterns?", "new": "Who paid for the lanterns? The trust, it seems.",
        "diff": [["=", "Who paid for the lanterns?"], ["+", " The trust, it seems."]],
        "notify": True,
    }]

    # Deleting a comment that has a reply does not remove it: Isso keeps a placeholder (mode 4,
    # empty text, no author) so the reply keeps its parent, and the widget draws it under the
    # same id and date as "Comment deleted." by "Anonymous". A reader sees the comment's text and
    # author replaced, and that is what is reported: two edits of comment a, not a removal.
    placeholder = isso.delete(a["id"])
    assert placeholder is not None and placeholder["mode"] == 4
    assert changes(check(local_engine, watch.id, chromium)) == [
        {"kind": "comment_edited", "comment_id": str(a["id"]), "author": ANONYMOUS,
         "field": "text", "old": "The lamps are too bright.", "new": DELETED,
         "diff": [["-", "The lamps are too bright."], ["+", DELETED]], "notify": True},
        {"kind": "comment_edited", "comment_id": str(a["id"]), "author": ANONYMOUS,
         "field": "author", "old": "Morag", "new": ANONYMOUS, "notify": True},
    ]

    # Deleting the last reply makes Isso drop the placeholder as well: both go, in page order,
    # the placeholder as it was last seen.
    assert isso.delete(r["id"]) is None
    assert changes(check(local_engine, watch.id, chromium)) == [
        {"kind": "comment_removed", "notify": True, "comment": comment(a, ANONYMOUS, DELETED)},
        {"kind": "comment_removed", "notify": True,
         "comment": comment(r, "Cy", "They are meant to be seen from the sea.")},
    ]
    assert [c["id"] for c in isso.comments()] == [b["id"]]

    unchanged = check(local_engine, watch.id, chromium)
    assert changes(unchanged) == []
