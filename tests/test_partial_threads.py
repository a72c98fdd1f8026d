"""A partial capture says so, and a watch never reports the comments it did not see as removed.

The page is a WordPress-style post written to a folder the test serves on loopback, rewritten
between checks: it announces "15 Comments" and shows all 15, then only 5 of them (paged the way a
theme without a "load more" control would), then the same 5 and a new one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scraper import store
from scraper.browser import BrowserSession
from scraper.cli import main
from scraper.config.settings import load_settings
from scraper.model.record import Article, Comment, Record
from scraper.model.unseen import carry_unseen
from scraper.pipeline.check import run_check
from scraper.watches.operations import WatchSpec, add_watch
from tests.fixtures.pages import serving

COUNT_WARNING = "the page says it has 15 comments; 5 were captured"


def comment_li(n: int) -> str:
    return (f"<li id='comment-{n}' class='comment depth-1'><article class='comment-body'>"
            f"<footer class='comment-meta'><div class='comment-author vcard'><b class='fn'>Reader {n}</b>"
            f"</div><div class='comment-metadata'><time datetime='2026-01-{n:02d}T10:00:00+00:00'>"
            f"January {n}</time></div></footer><div class='comment-content'><p>Comment number {n}.</p>"
            "</div></article></li>")


def post(shown: list[int], announced: int = 15) -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Tides</title>"
        "<meta name='generator' content='WordPress 6.1'></head><body>"
        "<article class='post hentry'><h1 class='entry-title'>Tides</h1><div class='entry-content'>"
        "<p>The tide tables for the spring.</p></div></article>"
        f"<div id='comments' class='comments-area'><h2 class='comments-title'>{announced} Comments</h2>"
        f"<ol class='comment-list'>{''.join(comment_li(n) for n in shown)}</ol></div></body></html>"
    )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    folder = tmp_path / "site"
    folder.mkdir()
    with serving(folder) as base:
        yield folder / "post.html", f"{base}/post.html"


# --- pure: what carrying unseen comments does -------------------------------------------------------

def rec(ids: list[str], warnings: list[str] | None = None) -> Record:
    return Record(url="u", final_url="u", fetched_at="2026-01-01T00:00:00Z", profile="p",
                  article=Article(title="T"), warnings=warnings or [],
                  comments=[Comment(id=i, author="A", text=f"text {i}") for i in ids])


def test_a_partial_capture_keeps_the_unseen_comments_in_their_place() -> None:
    base = rec(["1", "2", "3", "4", "5"])
    merged = carry_unseen(base, rec(["2", "4", "6"], ["a 'load more' control is still on the page"]))
    assert [c.id for c in merged.comments] == ["1", "2", "3", "4", "5", "6"]
    assert merged.warnings[-1] == "3 comments not seen in this partial capture kept from the last good check"


def test_complete_and_empty_captures_are_left_alone() -> None:
    base = rec(["1", "2"])
    assert carry_unseen(base, rec(["2"])) == rec(["2"])  # complete: "1" was removed
    assert carry_unseen(base, rec([], ["w"])) == rec([], ["w"])  # nothing at all: a broken widget
    assert carry_unseen(None, rec(["2"], ["w"])) == rec(["2"], ["w"])  # no base yet


# --- a watch on the real page -------------------------------------------------------------------------

@pytest.mark.browser
def test_fifteen_announced_five_shown_is_partial_and_no_removal(
    site: tuple[Path, str], chromium: BrowserSession, local_engine: Engine,
    capsys: pytest.CaptureFixture[str],
) -> None:
    file, url = site
    watch = add_watch(local_engine, WatchSpec(url=url), load_settings())
    assert watch.id is not None

    file.write_text(post(list(range(1, 16))), encoding="utf-8")
    first = run_check(local_engine, watch.id, chromium)
    assert first.baseline and first.check.warnings == []

    file.write_text(post([1, 2, 3, 4, 5]), encoding="utf-8")
    second = run_check(local_engine, watch.id, chromium)
    assert second.check.status == "ok"
    assert second.changes == []  # ten comments not seen are not ten removals
    assert second.check.warnings == [
        COUNT_WARNING, "10 comments not seen in this partial capture kept from the last good check",
    ]
    assert second.to_dict()["check"]["warnings"] == second.check.warnings

    file.write_text(post([1, 2, 3, 4, 5, 16], announced=16), encoding="utf-8")
    third = run_check(local_engine, watch.id, chromium)
    assert [(c.kind, (c.comment or {}).get("id")) for c in third.changes] == [("comment_added", "16")]

    # `scraper check` shows the warnings; the stored record still holds the whole thread.
    assert main(["check", str(watch.id)]) == 0
    shown = capsys.readouterr().out
    assert "partial: the page says it has 16 comments; 6 were captured" in shown
    from sqlmodel import Session

    with Session(local_engine) as session:
        last = store.list_checks(session, watch.id, limit=1)[0]
        assert [c.id for c in store.load_record(session, last).comments] == [
            *[str(n) for n in range(1, 16)], "16"]


@pytest.mark.browser
def test_capture_shows_the_warning(site: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    file, url = site
    file.write_text(post([1, 2, 3, 4, 5]), encoding="utf-8")
    assert main(["capture", url]) == 0
    assert f"partial: {COUNT_WARNING}" in capsys.readouterr().out


@pytest.mark.browser
def test_capture_says_why_an_empty_record_is_empty(
    site: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # A WordPress page showing a consent wall: the profile recognises nothing on it.
    file, url = site
    file.write_text("<!DOCTYPE html><html><head><meta name='generator' content='WordPress 6.1'></head>"
                    "<body><div class='consent'><h2>We value your privacy</h2><p>Accept all cookies?</p>"
                    "</div></body></html>", encoding="utf-8")
    assert main(["capture", url]) == 0
    assert ("partial: the article is empty: profile 'wordpress' found no title, text, byline, tags or "
            "comments on this page") in " ".join(capsys.readouterr().out.split())


def reactions(ids: list[int]) -> str:
    """A page no site profile knows: a heading, comments in markup of its own, no article text."""
    items = "".join(
        f"<div class='rx' id='rx-{n}'><div class='rx-top'><strong class='rx-nick'>Reader {n}</strong> "
        f"<small class='rx-when' title='2026-01-{n:02d}T10:00:00Z'>Jan {n}</small></div>"
        f"<div class='rx-msg'>Reaction number {n}, with a few more words to read.</div></div>"
        for n in ids)
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Ferries</title></head><body>"
            f"<h1>Ferries</h1><div class='board'>{items}</div></body></html>")


@pytest.mark.browser
def test_an_empty_article_on_an_unknown_page_is_said_everywhere_and_the_thread_stays_whole(
    site: tuple[Path, str], chromium: BrowserSession, local_engine: Engine,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 27: comments found, no article text, the fallback profile: a warning in the capture
    output, the check row and the report; and since an empty article says nothing of the thread,
    a comment gone is still reported as removed (the capture is not partial)."""
    file, url = site
    empty = "the article is empty: profile 'generic' found no article text on this page"
    file.write_text(reactions([1, 2, 3]), encoding="utf-8")
    assert main(["capture", url]) == 0
    assert f"partial: {empty}" in " ".join(capsys.readouterr().out.split())

    watch = add_watch(local_engine, WatchSpec(url=url, email="desk@example.org"), load_settings())
    assert watch.id is not None
    first = run_check(local_engine, watch.id, chromium)
    assert any(w.startswith(empty) for w in first.check.warnings)
    file.write_text(reactions([1, 3, 4]), encoding="utf-8")
    second = run_check(local_engine, watch.id, chromium)
    assert sorted(c.kind for c in second.changes) == ["comment_added", "comment_removed"]
    assert main(["report", "preview", str(watch.id)]) == 0
    assert f"Partial: {empty}" in " ".join(capsys.readouterr().out.split())
