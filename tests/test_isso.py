"""The built-in `isso` profile against a real Isso server (PyPI isso 0.13.0) and its real widget.

Comments are made through Isso's REST API (tests/fixtures/isso.py), the page is rendered in the
real Chromium (the session-wide `chromium` fixture: loopback only), and the record must say exactly
what Isso holds. No profile is named: the page must be recognised as an Isso page.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import pytest
from parsel import Selector

from scraper.browser import BrowserSession
from scraper.extract.text import paragraphs
from scraper.model.record import Comment, Record
from scraper.pipeline.capture import capture
from scraper.profiles import load_profiles
from scraper.profiles.matching import by_detection
from tests.fixtures.isso import ARTICLE_PARAGRAPHS, ARTICLE_TITLE, IssoClient, article_html

SELECTORS = Path(__file__).resolve().parents[1] / "selectors"
DELETED = "Comment deleted."  # the widget's note (English) on a deleted comment that has replies


def published(created: float) -> str:
    """The record's date for Isso's `created` (epoch seconds): the widget's <time datetime> is
    UTC with the fraction dropped."""
    return datetime.fromtimestamp(int(created), UTC).isoformat()


def visible(rendered: str) -> str | None:
    """Isso's rendered comment HTML as a reader sees it: paragraphs apart, whitespace folded."""
    root = Selector(text=f"<div id='c'>{rendered}</div>").css("#c")[0].root
    return "\n\n".join(paragraphs(root)) or None


def expected(isso: IssoClient) -> list[Comment]:
    """The thread as Isso's REST API holds it, in the record's shape and the page's order."""
    out = []
    for c in isso.comments():
        deleted = c["mode"] == 4
        out.append(Comment(
            id=str(c["id"]),
            parent_id=None if c["parent"] is None else str(c["parent"]),
            # Isso stores the author HTML-escaped; the widget shows it as text, or "Anonymous".
            author=html.unescape(c["author"]) if c["author"] else "Anonymous",
            published=published(c["created"]),
            text=DELETED if deleted else visible(c["text"]),
        ))
    return out


def assert_article(record: Record) -> None:
    """The article, and nothing of the widget (comments, form, heading) in its text."""
    assert record.article.title == ARTICLE_TITLE
    found = record.article.paragraphs()
    # trafilatura keeps the h1 as the text's first paragraph, as it does on any page.
    assert found[-len(ARTICLE_PARAGRAPHS):] == list(ARTICLE_PARAGRAPHS)
    assert set(found) <= {ARTICLE_TITLE, *ARTICLE_PARAGRAPHS}


def snap(url: str, chromium: BrowserSession) -> Record:
    record = capture(url, session=chromium)  # no profile: detection must pick `isso`
    assert record.profile == "isso"
    return record


# --- pure: the profile loads and claims Isso pages ---------------------------------------------------

def test_isso_pages_are_detected_even_on_wordpress() -> None:
    profiles = load_profiles([SELECTORS])
    assert profiles["isso"].priority > profiles["wordpress"].priority
    page = article_html("http://127.0.0.1:9")
    on_wordpress = page.replace("<head>", '<head>\n<meta name="generator" content="WordPress 6.6">')
    for html_text in (page, on_wordpress):
        chosen = by_detection(profiles, html_text)
        assert chosen is not None and chosen.name == "isso"
    plain = page.replace('<section id="isso-thread"></section>', "").replace("data-isso=", "data-x=")
    plain = plain.replace("/js/embed.min.js", "/app.js")
    chosen = by_detection(profiles, plain)
    assert chosen is None or chosen.name != "isso"


# --- the real widget in the real browser -------------------------------------------------------------

@pytest.mark.browser
def test_thread_comes_back_exactly(isso: IssoClient, chromium: BrowserSession) -> None:
    first = isso.post("First! The lights look *wonderful* again.", "Morag")
    second = isso.post("Who paid for the lanterns?", "Iain")
    reply = isso.post("The heritage trust, mostly.\n\nAnd a lottery grant.", "Morag",
                      parent=first["id"])

    record = snap(isso.page_url, chromium)

    assert_article(record)
    assert record.comments == [
        Comment(id=str(first["id"]), author="Morag", published=published(first["created"]),
                text="First! The lights look wonderful again."),
        Comment(id=str(reply["id"]), parent_id=str(first["id"]), author="Morag",
                published=published(reply["created"]),
                text="The heritage trust, mostly.\n\nAnd a lottery grant."),
        Comment(id=str(second["id"]), author="Iain", published=published(second["created"]),
                text="Who paid for the lanterns?"),
    ]
    assert record.comments == expected(isso)


@pytest.mark.browser
def test_empty_thread_is_ready_at_once(isso: IssoClient, chromium: BrowserSession) -> None:
    timeout = load_profiles([SELECTORS])["isso"].ready.timeout
    assert timeout is not None

    record = snap(isso.page_url, chromium)

    assert record.comments == []
    assert_article(record)
    # Ready because the condition came ("No Comments Yet"), not because its timeout ran out: that
    # would have left "the page was not ready within 20.0s" among the warnings.
    assert record.warnings == [], f"the ready condition stalled ({timeout:g}s): {record.warnings}"


@pytest.mark.browser
def test_markup_in_comments_comes_back_as_visible_text(
    isso: IssoClient, chromium: BrowserSession
) -> None:
    tricky = isso.post(
        '<script>alert(1)</script> 5 < 6 & "quoted" **bold** `x<y`'
        " [the trust](http://example.com/a?b=1&c=2)\n\n- one\n- two",
        "<b>Ann & Co</b>",
        website="http://example.com/ann",  # the author becomes a link
    )
    anonymous = isso.post("No name given &amp; none needed.", None, parent=tricky["id"])

    record = snap(isso.page_url, chromium)

    assert record.comments == [
        Comment(id=str(tricky["id"]), author="<b>Ann & Co</b>",
                published=published(tricky["created"]),
                # Isso's sanitiser drops the tags (keeping their text); markdown is rendered.
                text='alert(1) 5 < 6 & "quoted" bold x<y the trust\n\none\n\ntwo'),
        Comment(id=str(anonymous["id"]), parent_id=str(tricky["id"]), author="Anonymous",
                published=published(anonymous["created"]),
                text="No name given & none needed."),  # markdown: an entity
    ]
    assert record.comments == expected(isso)


@pytest.mark.browser
def test_edits_and_deletes_show_in_the_next_capture(
    isso: IssoClient, chromium: BrowserSession
) -> None:
    a = isso.post("The lamps are too bright.", "Morag")
    b = isso.post("Who paid for the lanterns?", "Iain")
    r1 = isso.post("They are meant to be seen from sea.", "Cy", parent=a["id"])
    r2 = isso.post("Agreed with Cy.", "Dee", parent=a["id"])
    before = snap(isso.page_url, chromium)
    assert [c.id for c in before.comments] == [str(x["id"]) for x in (a, r1, r2, b)]
    assert before.comments == expected(isso)

    isso.edit(b["id"], "Who paid for the lanterns? Answered above, thanks.")
    edited = snap(isso.page_url, chromium)
    assert edited.comments[3] == before.comments[3].model_copy(
        update={"text": "Who paid for the lanterns? Answered above, thanks."}
    )  # same id, author and date: the widget does not show that a comment was edited
    assert edited.comments[:3] == before.comments[:3]

    assert isso.delete(r2["id"]) is None  # a leaf goes for good
    after_leaf = snap(isso.page_url, chromium)
    assert [c.id for c in after_leaf.comments] == [str(x["id"]) for x in (a, r1, b)]

    placeholder = isso.delete(a["id"])  # r1 still refers to it: Isso keeps a placeholder
    assert placeholder is not None and placeholder["mode"] == 4
    after_parent = snap(isso.page_url, chromium)
    assert after_parent.comments[0] == Comment(
        id=str(a["id"]), author="Anonymous", published=published(a["created"]), text=DELETED
    )
    assert after_parent.comments[1:] == after_leaf.comments[1:]
    assert after_parent.comments == expected(isso)

    isso.delete(r1["id"])  # the last reply gone, Isso drops the placeholder too
    last = snap(isso.page_url, chromium)
    assert last.comments == [edited.comments[3]]
    assert last.comments == expected(isso)


@pytest.mark.browser
def test_hidden_comments_are_all_opened(isso: IssoClient, chromium: BrowserSession) -> None:
    top = [isso.post(f"Top-level comment {n}.", f"Reader {n}") for n in range(1, 5)]
    for parent in (top[0], top[3]):  # the last one's replies are hidden inside a hidden comment
        for n in range(1, 4):
            isso.post(f"Reply {n} to #{parent['id']}.", f"Replier {n}", parent=parent["id"])

    # One comment per level, then "N Hidden" links that each reveal two more.
    url = isso.page_url_with(max_comments_top=1, max_comments_nested=1, reveal_on_click=2)
    record = snap(url, chromium)

    assert len(record.comments) == 10
    assert record.comments == expected(isso)


@pytest.mark.browser
def test_article_author_is_not_a_commenter(isso: IssoClient, chromium: BrowserSession) -> None:
    isso.post("Lovely.", "Morag")
    record = snap(isso.page_url, chromium)
    assert record.article.author is None  # the page names no author
