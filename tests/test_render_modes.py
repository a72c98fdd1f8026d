"""`render: auto | always | never` (issue 25) against real pages: a saved server-rendered WordPress
page goes plain after its first check and comes back to the browser when its plain record loses a
comment; the demo's JavaScript-drawn variants stay rendered and their changes are still seen.

Every check is `run_check` with the real Chromium (the session's `chromium`) and a real SQLite.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.demo.site import DemoSite
from scraper.pipeline import paths
from scraper.pipeline.check import CheckResult, run_check
from scraper.watches.operations import WatchSpec, add_watch
from tests.fixtures.pages import serving

pytestmark = pytest.mark.browser

# A WordPress post whose two comments are in its HTML (tests/pages/README.md).
SAVED = "readability/firefox-nightly-blog/source.html"


@pytest.fixture
def blog(pages_dir: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The saved post served from a copy the test may edit: its URL and the file."""
    page = tmp_path / "site" / "post.html"
    page.parent.mkdir()
    shutil.copy(pages_dir / SAVED, page)
    with serving(page.parent) as base:
        yield f"{base}/post.html", page


def checks(engine: Engine, watch_id: int, browser: BrowserSession, n: int) -> list[CheckResult]:
    results = [run_check(engine, watch_id, browser) for _ in range(n)]
    for r in results:
        assert r.check.status == "ok", r.check.error
    return results


def test_server_rendered_page_goes_plain_and_renders_again_when_comments_go(
        chromium: BrowserSession, local_engine: Engine, blog: tuple[str, Path]) -> None:
    url, page = blog
    watch = add_watch(local_engine, WatchSpec(url=url, name="blog", profile="wordpress"), load_settings())
    assert watch.id is not None
    first, second, third = checks(local_engine, watch.id, chromium, 3)
    assert first.check.render_path == paths.VERIFIED, "the first check renders and fetches plainly"
    assert len(first.changes) == 0 and first.baseline
    assert [second.check.render_path, third.check.render_path] == [paths.PLAIN, paths.PLAIN]
    assert second.check.snapshot_hash == first.check.snapshot_hash, "the plain record is the rendered one"

    # One comment removed from the HTML: the plain record lacks a comment of the base record, so
    # the check renders to be sure. The page still says "2 comments": the render's record is
    # partial, and the missing comment is unseen, not reported removed (as without render modes).
    html = page.read_text(encoding="utf-8")
    start = html.index('<li id="comment-7588"')  # the last of the two
    end = html.index("</ol>", start)
    page.write_text(html[:start] + html[end:], encoding="utf-8")
    (fourth,) = checks(local_engine, watch.id, chromium, 1)
    assert fourth.check.render_path in (paths.VERIFIED, paths.DIVERGED), "a lost comment is rendered"
    assert fourth.changes == [] and fourth.check.warnings, fourth.check.warnings


def test_plain_path_reverified_every_n_checks(chromium: BrowserSession, local_engine: Engine,
                                              blog: tuple[str, Path]) -> None:
    url, _ = blog
    settings = load_settings()
    watch = add_watch(local_engine, WatchSpec(url=url, name="blog", profile="wordpress"), settings)
    assert watch.id is not None
    every = settings.render_verify_every
    found = [r.check.render_path for r in checks(local_engine, watch.id, chromium, every + 1)]
    assert found == [paths.VERIFIED, *[paths.PLAIN] * (every - 1), paths.VERIFIED]


@pytest.mark.parametrize(("variant", "thread"), [("lazy_url", "lazy"), ("infinite_url", "infinite"),
                                                 ("framed_url", "article")])
def test_javascript_variants_stay_rendered_and_changes_are_seen(
        chromium: BrowserSession, local_engine: Engine, demo_site: DemoSite, variant: str,
        thread: str) -> None:
    url = getattr(demo_site, variant)
    watch = add_watch(local_engine, WatchSpec(url=url, name=variant), load_settings())
    assert watch.id is not None
    first, second = checks(local_engine, watch.id, chromium, 2)
    assert first.check.render_path == paths.DIVERGED, "the plain HTML lacks the drawn thread"
    assert second.check.render_path == paths.RENDERED
    demo_site.add_comment("Late Reader", "A comment only a render sees.", thread=thread)
    (third,) = checks(local_engine, watch.id, chromium, 1)
    assert third.check.render_path == paths.RENDERED
    assert [c.kind for c in third.changes] == ["comment_added"]


def test_a_page_that_keeps_diverging_is_verified_ever_less_often(
        chromium: BrowserSession, local_engine: Engine, demo_site: DemoSite,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chromium, "settings", replace(chromium.settings, render_verify_every=2))
    watch = add_watch(local_engine, WatchSpec(url=demo_site.lazy_url, name="lazy"), load_settings())
    assert watch.id is not None
    found = [r.check.render_path for r in checks(local_engine, watch.id, chromium, 8)]
    diverged, rendered = paths.DIVERGED, paths.RENDERED
    # Every 2 checks, then 2 again (the second time in a row), then 4 (the third).
    assert found == [diverged, rendered, diverged, rendered, rendered, rendered, diverged, rendered], found


def test_a_verification_that_agrees_again_ends_the_backoff(
        chromium: BrowserSession, local_engine: Engine, blog: tuple[str, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chromium, "settings", replace(chromium.settings, render_verify_every=2))
    url, page = blog
    html = page.read_text(encoding="utf-8")
    drawn = ("<script>document.getElementById('comment-list').insertAdjacentHTML('beforeend', "
             "'<li id=\"comment-9999\" class=\"comment\"><cite class=\"author fn\">Script</cite>"
             "<p>Drawn by a script.</p></li>')</script></body>")
    page.write_text(html.replace("</body>", drawn), encoding="utf-8")  # only a render sees it
    watch = add_watch(local_engine, WatchSpec(url=url, name="blog", profile="wordpress"), load_settings())
    assert watch.id is not None
    found = [r.check.render_path for r in checks(local_engine, watch.id, chromium, 3)]
    page.write_text(html, encoding="utf-8")  # the comment is in the HTML or nowhere again
    found += [r.check.render_path for r in checks(local_engine, watch.id, chromium, 6)]
    diverged, rendered, verified, plain = paths.DIVERGED, paths.RENDERED, paths.VERIFIED, paths.PLAIN
    # Diverged twice in a row: 4 checks to the next verification, which agrees; then every 2 again.
    assert found == [diverged, rendered, diverged, rendered, rendered, rendered, verified, plain,
                     verified], found


def test_always_and_never(chromium: BrowserSession, local_engine: Engine, blog: tuple[str, Path],
                          demo_site: DemoSite) -> None:
    url, _ = blog
    settings = load_settings()
    always = add_watch(local_engine, WatchSpec(url=url, name="always", profile="wordpress",
                                               render="always"), settings)
    never = add_watch(local_engine, WatchSpec(url=url, name="never", profile="wordpress",
                                              render="never"), settings, allow_duplicate=True)
    assert always.id is not None and never.id is not None
    assert [r.check.render_path for r in checks(local_engine, always.id, chromium, 2)] == [paths.RENDERED] * 2
    assert [r.check.render_path for r in checks(local_engine, never.id, chromium, 2)] == [paths.PLAIN] * 2
    # A page that fails plainly is a failed check, as it would be rendered: never a false change.
    gone = add_watch(local_engine, WatchSpec(url=demo_site.base_url + "/no-such-page/", name="gone",
                                             render="never"), settings)
    assert gone.id is not None
    result = run_check(local_engine, gone.id, chromium)
    assert (result.check.status, result.check.error_kind, result.changes) == ("failed", "http", [])
    assert result.check.render_path == paths.PLAIN


def test_render_option_is_checked(local_engine: Engine) -> None:
    from scraper.base.errors import InputError

    with pytest.raises(InputError, match=r"sometimes.*auto, always, never"):
        add_watch(local_engine, WatchSpec(url="http://127.0.0.1:9/", name="bad",
                                          render="sometimes"), load_settings())


def test_a_failed_plain_fetch_is_a_failed_check_and_the_next_one_renders(
        chromium: BrowserSession, local_engine: Engine, blog: tuple[str, Path]) -> None:
    url, page = blog
    watch = add_watch(local_engine, WatchSpec(url=url, name="blog", profile="wordpress"), load_settings())
    assert watch.id is not None
    assert [r.check.render_path for r in checks(local_engine, watch.id, chromium, 2)] == [
        paths.VERIFIED, paths.PLAIN]
    html = page.read_text(encoding="utf-8")
    page.unlink()  # the server answers 404, as it would to a render
    failed = run_check(local_engine, watch.id, chromium)
    assert (failed.check.status, failed.check.error_kind, failed.check.render_path, failed.changes) == (
        "failed", "http", paths.PLAIN, [])
    page.write_text(html, encoding="utf-8")
    (after,) = checks(local_engine, watch.id, chromium, 1)
    assert after.check.render_path == paths.VERIFIED and after.changes == []


def test_a_watch_with_steps_of_its_own_always_renders(
        chromium: BrowserSession, local_engine: Engine, blog: tuple[str, Path]) -> None:
    url, _ = blog
    watch = add_watch(local_engine, WatchSpec(url=url, name="steps", profile="wordpress",
                                              actions=[{"wait_for": "#comments"}]), load_settings())
    assert watch.id is not None
    found = [r.check.render_path for r in checks(local_engine, watch.id, chromium, 2)]
    assert found == [paths.RENDERED, paths.RENDERED], "a plain fetch cannot run the watch's steps"
