"""The SSRF guard (SCRAPER_BLOCK_PRIVATE=1): private addresses are refused after resolution, on
the page, on every redirect hop and on every sub-request, as the browser would resolve them."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.base.errors import JobFailed
from scraper.browser import BrowserSession
from scraper.browser.guard import Resolver, public
from scraper.cli import main
from scraper.config.settings import load_settings
from scraper.pipeline.capture import capture
from tests.sites.hostile import PAGES, HostileSite

pytestmark = pytest.mark.browser

PROFILES = Path(__file__).parent / "sites" / "profiles"

# evil.test and inside.test resolve to loopback addresses in the browser (and so in the guard).
RULES = ('--host-resolver-rules="MAP evil.test 127.0.0.1, MAP inside.test 127.0.0.2, '
         'MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"')


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    with HostileSite() as hostile:
        yield hostile


def test_a_name_that_resolves_to_loopback_is_refused(
    site: HostileSite, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCRAPER_BROWSER_ARGS", RULES)
    monkeypatch.setenv("SCRAPER_BLOCK_PRIVATE", "1")
    before = site.requests("/ok")
    code = main(["capture", site.url("/ok", host="evil.test")])
    err = capsys.readouterr().err
    assert code == 1
    assert "refused: evil.test resolves to 127.0.0.1, not a public address" in err
    assert site.requests("/ok") == before  # nothing was sent
    monkeypatch.setenv("SCRAPER_BLOCK_PRIVATE", "0")  # off: the same page is captured
    assert main(["capture", site.url("/ok", host="evil.test")]) == 0


@pytest.fixture(scope="module")
def guarded() -> Iterator[BrowserSession]:
    """A guarded browser for which 127.0.0.1 stands in for the public internet (a test cannot
    reach a real one) and every other address, 127.0.0.2 included, is private."""
    settings = dataclasses.replace(load_settings(), block_private=True, browser_args=(RULES,))
    with BrowserSession(settings) as session:
        assert session.guard is not None
        session.guard = Resolver(settings.browser_args, allowed=lambda a: a == "127.0.0.1")
        yield session


def test_a_redirect_to_a_private_address_is_refused(site: HostileSite, guarded: BrowserSession) -> None:
    site.add_page("/to-inside", "REDIRECT " + site.url("/ok", host="inside.test"))
    with pytest.raises(JobFailed, match=re.escape("inside.test resolves to 127.0.0.2")):
        capture(site.url("/to-inside", host="evil.test"), session=guarded)
    assert guarded.guard is not None and "inside.test" in guarded.guard.refused


def test_sub_requests_to_private_addresses_are_refused(site: HostileSite, guarded: BrowserSession) -> None:
    inside = site.url("/pixel.png", host="inside.test")
    site.add_page("/with-subs", PAGES["/ok"].replace(
        "</body>", f'<img src="{inside}"><script>fetch("{inside}?api")</script></body>'))
    assert guarded.guard is not None
    guarded.guard.refused.clear()
    record = capture(site.url("/with-subs", host="evil.test"), session=guarded)
    assert record.article.title == "Arrived"  # the page itself is allowed
    assert guarded.guard.refused.count("inside.test") >= 1


@pytest.mark.parametrize("how", ["script", "meta"])
def test_a_navigation_refused_by_the_guard_is_a_failed_capture_not_an_empty_record(
    site: HostileSite, guarded: BrowserSession, how: str,
) -> None:
    inside = site.url("/ok", host="inside.test")
    site.add_page(f"/{how}-to-inside", {
        "script": f"<html><body><p>Moving.</p><script>location.replace('{inside}')</script></body></html>",
        "meta": f'<html><head><meta http-equiv="refresh" content="0;url={inside}"></head></html>',
    }[how])
    with pytest.raises(JobFailed) as raised:
        capture(site.url(f"/{how}-to-inside", host="evil.test"), session=guarded)
    assert raised.value.kind == "network"
    assert "inside.test resolves to 127.0.0.2" in str(raised.value)


def test_what_counts_as_public() -> None:
    for address in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                    "100.64.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "0.0.0.0"]:
        assert not public(address), address
    for address in ["93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8"]:
        assert public(address), address


def test_remote_browser_and_guard_do_not_mix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCRAPER_BLOCK_PRIVATE", "1")
    monkeypatch.setenv("SCRAPER_BROWSER_WS", "ws://127.0.0.1:9/")
    assert main(["capture", "http://127.0.0.1:9/"]) == 2
    assert "SCRAPER_BLOCK_PRIVATE=1 needs a browser scraper launches itself" in capsys.readouterr().err
    assert not os.path.exists(os.path.join(os.environ["SCRAPER_HOME"], "scraper.db"))


class StunListener:
    """A UDP socket where a page's `stun:` server points: keeps every datagram that reaches it."""

    def __init__(self, host: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(0)
        self.url = f"stun:{host}:{self.sock.getsockname()[1]}"

    def received(self) -> int:
        count = 0
        with contextlib.suppress(BlockingIOError):
            while self.sock.recv(2048):
                count += 1
        return count


def webrtc_page(stun: str) -> str:
    """ICE gathering against `stun`, from the page and from a fresh iframe; the title's class
    says when to read it (2 s on: a STUN request goes out at once)."""
    return PAGES["/ok"].replace("</body>", """<script>
const done = () => document.querySelector('h1').className = 'gathered';
setTimeout(done, 2000);
// Its own constructor, and a fresh frame's (where a page would look for one taken away).
const frame = document.body.appendChild(document.createElement('iframe'));
for (const PC of [window.RTCPeerConnection, frame.contentWindow.RTCPeerConnection]) {
  if (!PC) continue;
  const pc = new PC({iceServers: [{urls: 'STUN'}]});
  pc.createDataChannel('x');
  pc.createOffer().then(offer => pc.setLocalDescription(offer));
}
</script></body>""".replace("STUN", stun))


@pytest.fixture
def stun() -> Iterator[StunListener]:
    listener = StunListener("127.0.0.2")
    try:
        yield listener
    finally:
        listener.sock.close()


def test_webrtc_sends_nothing_around_the_guard(
    site: HostileSite, guarded: BrowserSession, chromium: BrowserSession, stun: StunListener,
) -> None:
    site.add_page("/webrtc", webrtc_page(stun.url))
    profile = str(PROFILES / "webrtc-gathered.yaml")  # read once ICE gathering is complete
    # Unguarded, the page's STUN binding requests reach the private address: the test can fail.
    capture(site.url("/webrtc"), session=chromium, profile=profile)
    assert stun.received() > 0
    capture(site.url("/webrtc", host="evil.test"), session=guarded, profile=profile)
    assert stun.received() == 0  # guarded: WebRTC's UDP never leaves the browser
