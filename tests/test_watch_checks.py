"""Watches, history and change detection against the real thing (issue 3).

Every check here is `scraper.pipeline.check.run_check` on the bundled demo site, rendered by the real
Chromium (the session-wide `chromium` fixture) and stored in a real database: the tests that depend
on what the store keeps run on SQLite and on a real PostgreSQL (`migrated_db_url`). Changes are
compared as the exact JSON a report carries (`Change.to_dict()`), and what was stored is read back.

Ids and dates are predictable: the demo site's next comment is "4550", and a comment's date is
2016-10-19T15:12:00+00:00 plus one minute per id after the seed comment "4521".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, SQLModel, select

from scraper import store
from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.demo import seed
from scraper.demo.site import DemoSite
from scraper.pipeline.check import CheckResult, run_check
from scraper.store import Check, Snapshot, Watch
from scraper.watches.operations import WatchSpec, add_watch

pytestmark = pytest.mark.browser

SEED_ID = "4521"
SEED_COMMENT = {
    "id": SEED_ID, "parent_id": None, "author": "daveyone1",
    "published": "2016-10-19T15:12:00+00:00", "text": "Reblogged this on World Peace Forum.",
}
TRUCE = "The truce will not hold past Friday."
TRUCE_EDITED = "The truce will not hold past Sunday, I think."
# The record's paragraph 1 is the photo caption (a <figure> inside .entry-content, which the
# wordpress profile keeps), so the page's second <p> (edit_paragraph index 1) is paragraph 3.
P3_OLD = seed.PARAGRAPHS[1]
P3_NEW = P3_OLD.replace("an official visit", "a two-day visit")
# Extraction folds every run of whitespace, no-break spaces included, into one space.
TITLE_OLD = seed.TITLE.replace("\u00a0", " ")
TITLE_NEW = "Russia and the West trade blame over Aleppo"
TAGS_NEW = ["Aleppo", "Ceasefire", "Truce"]


# --- helpers ----------------------------------------------------------------------------------------

def published(comment_id: str) -> str:
    """The demo site's date for a comment given none: seed time + one minute per id."""
    seed_time = datetime(2016, 10, 19, 15, 12, tzinfo=UTC)
    return (seed_time + timedelta(minutes=int(comment_id) - int(SEED_ID))).isoformat()


def comment(comment_id: str, author: str, text: str, parent_id: str | None = None) -> dict[str, Any]:
    return {"id": comment_id, "parent_id": parent_id, "author": author,
            "published": published(comment_id), "text": text}


def added(c: dict[str, Any], notify: bool = True) -> dict[str, Any]:
    return {"kind": "comment_added", "comment": c, "notify": notify}


def removed(c: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "comment_removed", "comment": c, "notify": True}


def edited_text(comment_id: str, author: str, old: str, new: str, diff: list[list[str]],
                notify: bool = True) -> dict[str, Any]:
    return {"kind": "comment_edited", "comment_id": comment_id, "author": author, "field": "text",
            "old": old, "new": new, "diff": diff, "notify": notify}


def new_watch(engine: Engine, url: str, **options: Any) -> int:
    settings = options.pop("settings", None) or load_settings()
    # Several watches on one page: one without rules is the control for the others.
    watch = add_watch(engine, WatchSpec(url=url, **options), settings, allow_duplicate=True)
    assert watch.id is not None
    return watch.id


def changes(result: CheckResult) -> list[dict[str, Any]]:
    return [c.to_dict() for c in result.changes]


def rows(engine: Engine, table: type[SQLModel]) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def stored(engine: Engine, result: CheckResult) -> list[tuple[dict[str, Any], bool]]:
    """The changes stored for the check: (the change as JSON, its notify column)."""
    assert result.check.id is not None
    with Session(engine) as session:
        return [(c.data, c.notify) for c in store.changes_for_check(session, result.check.id)]


def as_stored(expected: list[dict[str, Any]]) -> list[tuple[dict[str, Any], bool]]:
    return [(c, c["notify"]) for c in expected]


def watch_row(engine: Engine, watch_id: int) -> Watch:
    with Session(engine) as session:
        return session.get_one(Watch, watch_id)


@pytest.fixture
def engine(migrated_db_url: str) -> Iterator[Engine]:
    """A fresh store on SQLite or PostgreSQL, migrated to the code's schema."""
    engine = store.open_store(migrated_db_url, auto_upgrade=True)
    try:
        yield engine
    finally:
        engine.dispose()


# --- baseline, unchanged, then one mutation per check -------------------------------------------------

@dataclass(frozen=True)
class Step:
    what: str
    mutate: Callable[[DemoSite], object]
    expected: list[dict[str, Any]]


def _two_replies(site: DemoSite) -> None:
    assert site.add_comment("Bob", "Friday is three days away.", parent_id="4550") == "4551"
    assert site.add_comment("Cy", "Which forum?", parent_id=SEED_ID) == "4552"


def _tags_and_likes(site: DemoSite) -> None:
    site.set_tags(TAGS_NEW)
    site.set_likes(7)


STEPS = [
    Step("a new comment", lambda site: site.add_comment("Ann", TRUCE),
         [added(comment("4550", "Ann", TRUCE))]),
    # Page order is each comment followed by its replies: 4521, 4552, 4550, 4551.
    Step("two replies", _two_replies,
         [added(comment("4552", "Cy", "Which forum?", parent_id=SEED_ID)),
          added(comment("4551", "Bob", "Friday is three days away.", parent_id="4550"))]),
    Step("a comment edited", lambda site: site.edit_comment("4550", TRUCE_EDITED),
         [edited_text("4550", "Ann", TRUCE, TRUCE_EDITED,
                      [["=", "The truce will not hold past "], ["-", "Friday."],
                       ["+", "Sunday, I think."]])]),
    Step("a reply deleted", lambda site: site.delete_comment("4551"),
         [removed(comment("4551", "Bob", "Friday is three days away.", parent_id="4550"))]),
    # WordPress moves the replies of a deleted comment up to its parent: the reply is edited
    # (its parent_id becomes null, which the JSON leaves out), not removed and added again.
    Step("a comment with a reply deleted", lambda site: site.delete_comment(SEED_ID),
         [removed(SEED_COMMENT),
          {"kind": "comment_edited", "comment_id": "4552", "author": "Cy", "field": "parent_id",
           "old": SEED_ID, "notify": True}]),
    Step("paragraph 3 rewritten", lambda site: site.edit_paragraph(1, P3_NEW),
         [{"kind": "article_edited", "paragraph": 3, "old": P3_OLD, "new": P3_NEW,
           "diff": [["=", P3_OLD.split("an official")[0]], ["-", "an official"],
                    ["+", "a two-day"], ["=", " visit to Greece."]],
           "notify": True}]),
    Step("the title", lambda site: site.set_title(TITLE_NEW),
         [{"kind": "article_changed", "field": "title", "old": TITLE_OLD, "new": TITLE_NEW,
           "notify": True}]),
    Step("tags and likes", _tags_and_likes,
         [{"kind": "article_changed", "field": "tags", "old": list(seed.TAGS), "new": TAGS_NEW,
           "notify": True},
          {"kind": "article_changed", "field": "likes", "old": seed.LIKES, "new": 7,
           "notify": True}]),
]


def test_each_mutation_is_reported_exactly(
    engine: Engine, chromium: BrowserSession, demo_site: DemoSite
) -> None:
    watch_id = new_watch(engine, demo_site.article_url, every="15m")

    first = run_check(engine, watch_id, chromium)
    assert (first.check.status, first.baseline, first.pending, changes(first)) == ("ok", True, False, [])
    assert first.check.snapshot_hash is not None and first.check.profile == "wordpress"
    assert watch_row(engine, watch_id).base_check_id == first.check.id
    assert rows(engine, Snapshot) == 1

    again = run_check(engine, watch_id, chromium)
    assert (again.check.status, again.baseline, changes(again)) == ("ok", False, [])
    assert again.check.snapshot_hash == first.check.snapshot_hash
    assert (rows(engine, Check), rows(engine, Snapshot)) == (2, 1)  # a row, not a copy
    assert watch_row(engine, watch_id).base_check_id == again.check.id

    for n, step in enumerate(STEPS, start=1):
        step.mutate(demo_site)
        result = run_check(engine, watch_id, chromium)
        assert result.check.status == "ok", step.what
        assert changes(result) == step.expected, step.what
        assert stored(engine, result) == as_stored(step.expected), step.what
        assert not result.baseline and not result.pending, step.what
        assert watch_row(engine, watch_id).base_check_id == result.check.id, step.what
        assert rows(engine, Snapshot) == 1 + n, step.what


# --- a page the profile no longer understands ---------------------------------------------------------

EMPTY = ("the article is empty: profile 'wordpress' found no title, text, byline, tags or comments "
         "on this page")


def test_a_broken_layout_is_one_mismatch_and_keeps_the_base(
    engine: Engine, chromium: BrowserSession, demo_site: DemoSite
) -> None:
    consent_aware = "wordpress"  # the wall keeps the generator meta, so the profile still matches
    demo_site.add_comment("Ann", TRUCE)
    watch_id = new_watch(engine, demo_site.article_url)
    good = run_check(engine, watch_id, chromium)
    assert good.baseline and good.check.profile == consent_aware

    demo_site.break_layout()
    broken = run_check(engine, watch_id, chromium)
    expected = [{
        "kind": "profile_mismatch", "profile": consent_aware, "notify": True,
        "detail": f"profile '{consent_aware}' matched nothing on the page (last good check had "
                  f"2 comments); keeping the last good record as the base ({EMPTY})",
    }]
    assert broken.check.warnings == [EMPTY]  # the check row says why, as the report does
    assert broken.check.status == "mismatch"
    assert changes(broken) == expected  # not "2 comments removed" and "title changed"
    assert stored(engine, broken) == as_stored(expected)
    assert watch_row(engine, watch_id).base_check_id == good.check.id

    still = run_check(engine, watch_id, chromium)
    assert (still.check.status, changes(still), stored(engine, still)) == ("mismatch", [], [])
    assert watch_row(engine, watch_id).base_check_id == good.check.id

    demo_site.break_layout(False)
    back = run_check(engine, watch_id, chromium)
    assert (back.check.status, back.baseline, changes(back), stored(engine, back)) == (
        "ok", False, [], [])
    assert back.check.snapshot_hash == good.check.snapshot_hash
    assert watch_row(engine, watch_id).base_check_id == back.check.id


def test_an_empty_first_check_is_no_baseline(
    engine: Engine, chromium: BrowserSession, demo_site: DemoSite
) -> None:
    """A watch that starts on a consent wall must not later report the whole page as new."""
    demo_site.break_layout()
    watch_id = new_watch(engine, demo_site.article_url)
    walled = run_check(engine, watch_id, chromium)
    assert walled.check.status == "mismatch" and not walled.baseline
    assert changes(walled) == [{
        "kind": "profile_mismatch", "profile": "wordpress", "notify": True,
        "detail": f"profile 'wordpress' matched nothing on the page; no baseline yet ({EMPTY})",
    }]
    assert walled.check.warnings == [EMPTY]
    assert watch_row(engine, watch_id).base_check_id is None
    demo_site.break_layout(False)
    first = run_check(engine, watch_id, chromium)
    assert (first.check.status, first.baseline, changes(first)) == ("ok", True, [])


# --- failed checks ------------------------------------------------------------------------------------

def test_a_failed_check_is_no_change_and_keeps_the_base(
    engine: Engine, chromium: BrowserSession
) -> None:
    site = DemoSite().start()
    port, url = site.port, site.article_url
    try:
        watch_id = new_watch(engine, url)
        assert run_check(engine, watch_id, chromium).baseline
        site.add_comment("Ann", TRUCE)
        good = run_check(engine, watch_id, chromium)
        assert changes(good) == [added(comment("4550", "Ann", TRUCE))]
    finally:
        site.stop()
    snapshots = rows(engine, Snapshot)

    down = run_check(engine, watch_id, chromium)
    assert down.check.status == "failed"
    assert down.check.error is not None and "ERR_CONNECTION_REFUSED" in down.check.error
    assert (changes(down), down.pending, down.baseline, stored(engine, down)) == ([], False, False, [])
    assert down.check.snapshot_hash is None and rows(engine, Snapshot) == snapshots
    assert watch_row(engine, watch_id).base_check_id == good.check.id

    # The site comes back at the same address, fresh from the seed: Ann's comment is posted again
    # (same id, date and text) and Bob adds one. Compared with the last good record, only Bob's
    # comment is new: not "everything added" (against the failed check) nor "Ann added again".
    with DemoSite(port) as back:
        assert back.article_url == url
        back.add_comment("Ann", TRUCE)
        back.add_comment("Bob", "Back online.")
        after = run_check(engine, watch_id, chromium)
        assert after.check.status == "ok"
        assert changes(after) == [added(comment("4551", "Bob", "Back online."))]
        assert watch_row(engine, watch_id).base_check_id == after.check.id

        # A page that answers 404 fails too, with the HTTP status as the error; no base is set.
        missing = new_watch(engine, back.base_url + "/2016/10/19/no-such-post/")
        gone = run_check(engine, missing, chromium)
        assert gone.check.status == "failed"
        assert gone.check.error is not None and "HTTP 404" in gone.check.error
        assert (changes(gone), gone.baseline, stored(engine, gone)) == ([], False, [])
        assert watch_row(engine, missing).base_check_id is None


# --- confirmation, notification filter, noise rules ---------------------------------------------------

def test_confirm_reports_a_change_on_its_second_sighting_and_never_a_flap(
    engine: Engine, chromium: BrowserSession, demo_site: DemoSite
) -> None:
    watch_id = new_watch(engine, demo_site.article_url, confirm=2)
    assert run_check(engine, watch_id, chromium).baseline
    base = watch_row(engine, watch_id).base_check_id

    demo_site.add_comment("Ann", TRUCE)
    seen = run_check(engine, watch_id, chromium)
    assert (seen.check.status, seen.pending, changes(seen), stored(engine, seen)) == ("ok", True, [], [])
    assert (watch_row(engine, watch_id).base_check_id, watch_row(engine, watch_id).pending_count) == (
        base, 1)

    confirmed = run_check(engine, watch_id, chromium)
    expected = [added(comment("4550", "Ann", TRUCE))]
    assert (confirmed.pending, changes(confirmed)) == (False, expected)
    assert stored(engine, confirmed) == as_stored(expected)
    assert watch_row(engine, watch_id).base_check_id == confirmed.check.id
    base = confirmed.check.id

    # A → B → A → B: B is never seen twice in a row, so nothing is ever reported.
    for text, pending in ((TRUCE_EDITED, True), (TRUCE, False), (TRUCE_EDITED, True)):
        demo_site.edit_comment("4550", text)
        result = run_check(engine, watch_id, chromium)
        assert (result.pending, changes(result), stored(engine, result)) == (pending, [], [])
        row = watch_row(engine, watch_id)
        assert row.pending_count == (1 if pending else 0)
        if not pending:  # back to A: the page equals the base again, which moves forward
            base = result.check.id
        assert row.base_check_id == base

    # B → C: other new content starts the count again; C seen twice is reported, against A.
    third = "The truce held until Monday."
    demo_site.edit_comment("4550", third)
    result = run_check(engine, watch_id, chromium)
    assert (result.pending, changes(result), watch_row(engine, watch_id).pending_count) == (True, [], 1)
    result = run_check(engine, watch_id, chromium)
    expected = [edited_text("4550", "Ann", TRUCE, third,
                            [["=", "The truce "], ["-", "will not hold past Friday."],
                             ["+", "held until Monday."]])]
    assert (result.pending, changes(result)) == (False, expected)
    assert stored(engine, result) == as_stored(expected)
    assert watch_row(engine, watch_id).base_check_id == result.check.id


def test_notify_on_stores_every_change_but_flags_only_the_chosen_kinds(
    engine: Engine, chromium: BrowserSession, demo_site: DemoSite
) -> None:
    watch_id = new_watch(engine, demo_site.article_url, notify_on=["comment_added"])
    assert run_check(engine, watch_id, chromium).baseline

    demo_site.edit_comment(SEED_ID, "Reblogged this on World Peace Forum and elsewhere.")
    edit = run_check(engine, watch_id, chromium)
    expected = [edited_text(SEED_ID, "daveyone1", SEED_COMMENT["text"],
                            "Reblogged this on World Peace Forum and elsewhere.",
                            [["=", "Reblogged this on World Peace "], ["-", "Forum."],
                             ["+", "Forum and elsewhere."]], notify=False)]
    assert changes(edit) == expected
    assert stored(engine, edit) == [(expected[0], False)]

    demo_site.add_comment("Ann", TRUCE)
    addition = run_check(engine, watch_id, chromium)
    expected = [added(comment("4550", "Ann", TRUCE), notify=True)]
    assert changes(addition) == expected
    assert stored(engine, addition) == [(expected[0], True)]


def test_noise_rules_make_an_edit_invisible(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite
) -> None:
    demo_site.add_comment("Ann", "Seen 5 minutes ago: the convoy is moving.")
    url = demo_site.article_url
    plain = new_watch(local_engine, url, name="plain")
    ignoring = new_watch(local_engine, url, name="ignoring", ignore=[".comment-content"])
    normalising = new_watch(local_engine, url, name="normalising",
                            normalise=[(r"\d+ minutes ago", "recently")])
    for watch_id in (plain, ignoring, normalising):
        assert run_check(local_engine, watch_id, chromium).baseline

    demo_site.edit_comment("4550", "Seen 7 minutes ago: the convoy is moving.")

    seen = run_check(local_engine, plain, chromium)  # the control: without rules it is an edit
    assert changes(seen) == [edited_text(
        "4550", "Ann", "Seen 5 minutes ago: the convoy is moving.",
        "Seen 7 minutes ago: the convoy is moving.",
        [["=", "Seen "], ["-", "5"], ["+", "7"], ["=", " minutes ago: the convoy is moving."]])]
    for watch_id in (ignoring, normalising):
        result = run_check(local_engine, watch_id, chromium)
        assert (result.check.status, changes(result)) == ("ok", [])

    with Session(local_engine) as session:
        by_rule = {
            watch_id: store.load_record(session, store.list_checks(session, watch_id, limit=1)[0])
            for watch_id in (ignoring, normalising)
        }
    # The ignored element is gone before extraction; the normalised text is what gets stored.
    assert [c.text for c in by_rule[ignoring].comments] == [None, None]
    assert [c.text for c in by_rule[normalising].comments] == [
        SEED_COMMENT["text"], "Seen recently: the convoy is moving."]
