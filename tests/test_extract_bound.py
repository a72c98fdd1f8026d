"""Extraction is bounded: a deep thread costs time in proportion to its size (each comment copies
only its own markup, not its replies'), and the job's deadline ends an extraction still running."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from scraper.base.errors import JobFailed
from scraper.base.failures import classify
from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.extract import extract
from scraper.extract.comments.items import Item, members, own
from scraper.model.page import PageContent
from scraper.pipeline.capture import capture, extraction_bound
from scraper.profiles import load_profiles, matching
from tests.sites.hostile import HostileSite

DEPTH = 1000  # lxml's HTML parser reads about 1,024 levels; the page had 3,000


def nested_thread(depth: int) -> str:
    """A WordPress-like thread where each comment replies to the one before: `depth` levels."""
    opens = "".join(f'<li class="comment" id="comment-{i}"><div class="comment-author"><cite '
                    f'class="fn">A{i}</cite></div><div class="comment-content"><p>Reply {i}.</p>'
                    '</div><ol class="children">' for i in range(depth))
    return ('<html><head><title>T</title></head><body><article><h1 class="entry-title">T</h1>'
            '<div class="entry-content"><p>Body.</p></div></article><ol class="comment-list">'
            + opens + "</ol></li>" * depth + "</ol></body></html>")


def page(html: str) -> PageContent:
    return PageContent(url="http://x/", final_url="http://x/", fetched_at="2026-01-01T00:00:00Z",
                       html=html)


@pytest.fixture(scope="module")
def deep() -> str:
    return nested_thread(DEPTH)


def test_a_comment_s_own_markup_is_a_copy_of_its_nodes_only_never_its_replies(deep: str) -> None:
    from scraper.extract.dom import parse_html

    doc = parse_html(deep)
    items = [Item((el,)) for el in doc.root.iter("li")]
    belongs = members(items)
    copied = [own(item, belongs) for item in items]
    # Each copy holds its li, two divs, cite, p and the (emptied) ol: nothing of the replies.
    assert {len(list(c.iter())) for c in copied} == {6}
    assert "".join(copied[0].itertext()) == "A0Reply 0."


def test_a_deep_thread_is_read_whole_and_each_comment_ticks_the_bound(deep: str) -> None:
    profiles = load_profiles(load_settings().profile_dirs)
    profile = matching.by_detection(profiles, deep) or matching.fallback(profiles)
    ticks = 0

    def tick() -> None:
        nonlocal ticks
        ticks += 1

    record = extract(page(deep), profile, tick)
    assert len(record.comments) == DEPTH
    assert record.comments[-1].parent_id == str(DEPTH - 2)
    assert ticks >= DEPTH  # at least once per comment: the bound is looked at as it goes


def test_an_extraction_still_running_at_the_deadline_fails_as_a_timeout_naming_it(deep: str) -> None:
    profiles = load_profiles(load_settings().profile_dirs)
    profile = matching.by_detection(profiles, deep) or matching.fallback(profiles)
    with pytest.raises(JobFailed) as raised:
        extract(page(deep), profile, extraction_bound(time.monotonic() - 1, 10))
    failure = classify(raised.value)
    assert failure.kind == "timeout"
    assert "longer than the deadline (10s)" in failure.message


@pytest.fixture(scope="module")
def site(deep: str) -> Iterator[HostileSite]:
    with HostileSite({"/deep": deep}) as hostile:
        yield hostile


@pytest.mark.browser
def test_a_thousand_nested_replies_are_captured_within_the_deadline(
    chromium: BrowserSession, site: HostileSite,
) -> None:
    # Before: own() deep-copied each comment with all its replies, 86 s for these 1,000 levels.
    record = capture(site.url("/deep"), session=chromium, deadline=30)
    assert len(record.comments) == DEPTH
