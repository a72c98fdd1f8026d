"""A page that sends itself elsewhere by script after `load` (an interstitial, a consent hop) is
read at its target; a meta-refresh loop fails with the message a person can act on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scraper.base.failures import classify
from scraper.browser import BrowserSession
from scraper.pipeline.capture import capture
from tests.sites.hostile import HostileSite

pytestmark = pytest.mark.browser


def interstitial(delay_ms: int) -> str:
    return ("<html><head><title>Just a moment</title></head><body><p>Redirecting you.</p><script>"
            f"addEventListener('load', () => setTimeout(() => location.replace('/ok'), {delay_ms}))"
            "</script></body></html>")


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    with HostileSite({f"/after-{ms}": interstitial(ms) for ms in (0, 100, 200, 500)}) as hostile:
        yield hostile


@pytest.mark.parametrize("delay_ms", [0, 100, 200, 500])
def test_a_script_redirect_after_load_is_followed_to_its_target(
    site: HostileSite, chromium: BrowserSession, delay_ms: int,
) -> None:
    record = capture(site.url(f"/after-{delay_ms}"), session=chromium, deadline=30)
    assert record.final_url == site.url("/ok")
    assert record.article.title == "Arrived"


def test_a_meta_refresh_loop_fails_with_the_user_s_message(
    site: HostileSite, chromium: BrowserSession,
) -> None:
    for _ in range(3):
        try:
            capture(site.url("/refresh-loop"), session=chromium, deadline=20)
        except Exception as exc:  # as a check or `capture` says it: classified, one line
            failure = classify(exc)
            assert failure.kind == "page"
            assert "kept navigating" in failure.message, failure.message
            assert "ResizeObserver" not in failure.message
