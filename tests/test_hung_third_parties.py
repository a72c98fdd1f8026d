"""A third party that accepts connections and never answers costs a warning, not the page: the
page is read at a bound (a third of the time left once its document arrived) without the hosts
still loading, named in the warning. A page whose own document never comes still fails, and a
navigation that ends on the browser's error page, or is refused by the SSRF guard, is a failed
check, never an empty record."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from scraper.base.failures import classify
from scraper.browser import BrowserSession
from scraper.cli import main
from scraper.pipeline.capture import capture
from tests.fixtures.hung import HungServer
from tests.sites.hostile import ARTICLE, HostileSite

pytestmark = pytest.mark.browser

DEADLINE = 30.0


@pytest.fixture  # as `hung` (tests.fixtures.hung): one per test, a loopback server is cheap
def site(hung: HungServer) -> Iterator[HostileSite]:
    # localhost:PORT stands for the third party (another host name than the page's 127.0.0.1).
    third = f"http://localhost:{hung.port}"
    held = ARTICLE.format(title="Held by a third party", text="The article itself.").replace(
        "</head>", f'<script src="{third}/analytics.js"></script>'
                   f'<link rel="stylesheet" href="{third}/fonts.css"></head>')
    with HostileSite({"/held": held}) as hostile:
        yield hostile


def test_parser_blocking_scripts_from_a_hung_host_cost_a_warning_not_the_page(
    site: HostileSite, hung: HungServer, chromium: BrowserSession,
) -> None:
    record = capture(site.url("/held"), session=chromium, deadline=DEADLINE)
    assert record.article.title == "Held by a third party"
    assert [c.text for c in record.comments] == ["First."]
    (warning,) = [w for w in record.warnings if "did not answer" in w]
    assert re.fullmatch(rf"localhost:{hung.port} did not answer within \d+\.\ds once the page's "
                        r"document had come; the page was read without it", warning), warning
    assert hung.connections >= 1


def test_a_page_whose_own_document_never_comes_still_fails(
    hung: HungServer, chromium: BrowserSession,
) -> None:
    with pytest.raises(Exception) as raised:
        capture(f"http://127.0.0.1:{hung.port}/", session=chromium, deadline=8)
    assert classify(raised.value).kind == "timeout"


def test_a_redirect_ending_on_the_browser_error_page_is_a_failed_capture(
    site: HostileSite, capsys: pytest.CaptureFixture[str],
) -> None:
    # A script redirect to a port nothing listens on: Chromium shows chrome-error://chromewebdata/.
    site.add_page("/to-nowhere", "<html><body><p>Moving.</p><script>"
                  "location.replace('http://127.0.0.1:9/gone')</script></body></html>")
    code = main(["capture", site.url("/to-nowhere")])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "the browser could not load http://127.0.0.1:9/gone" in err
