"""Text a page makes that no encoder takes (a lone UTF-16 surrogate written by a script) is
cleaned where it enters the record: it never blinds a watch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.pipeline.check import run_check
from scraper.watches.operations import WatchSpec, add_watch
from tests.sites.hostile import ARTICLE, HostileSite

pytestmark = pytest.mark.browser

# A script writes lone surrogates (as a buggy emoji splitter would) into the title and a comment.
SURROGATES = ARTICLE.format(title="Title", text="Body.").replace("</body>", """<script>
document.querySelector('h1').textContent = 'Broken \\ud800 title';
document.title = 'Broken \\ud800 title';
document.querySelector('.comment-content p').textContent = 'Half an emoji: \\ud83d, end \\udc00.';
</script></body>""")


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    with HostileSite({"/surrogates": SURROGATES}) as hostile:
        yield hostile


def test_a_lone_surrogate_in_a_title_or_comment_is_replaced_not_fatal(
    local_engine: Engine, chromium: BrowserSession, site: HostileSite,
) -> None:
    watch = add_watch(local_engine, WatchSpec(url=site.url("/surrogates"), name="s"),
                      load_settings())
    assert watch.id is not None
    for _ in range(2):  # the first check (the base) and the next: both ok, no false change
        result = run_check(local_engine, watch.id, chromium)
        assert result.check.status == "ok", result.check.error
        assert result.changes == []
    with Session(local_engine) as session:
        record = store.load_record(session, result.check)
    assert record.article.title == "Broken \ufffd title"
    assert [c.text for c in record.comments] == ["Half an emoji: \ufffd, end \ufffd."]


def test_a_record_built_from_any_source_holds_no_lone_surrogate() -> None:
    from scraper.model.record import Article, Comment, Record

    record = Record(url="http://x/", final_url="http://x/", fetched_at="2026-01-01T00:00:00Z",
                    profile="p", article=Article(title="a\ud800", tags=["\udc00"]),
                    comments=[Comment(text="\ud83d\ude00 \ud83d")], warnings=["w\ud800"])
    record.to_json().encode()  # raised UnicodeEncodeError before
    assert record.article.title == "a\ufffd" and record.article.tags == ["\ufffd"]
    assert record.comments[0].text == "\U0001f600 \ufffd" and record.warnings == ["w\ufffd"]
