"""Pages behind a login, logged into once (`--keep-session`), and any element watched (`--select`).

A loopback site with a real login form: the members' page shows the form until a session cookie
is set by POST /login, then the post and a "Log out" link. A watch with `--keep-session
--logged-in a.logout` and login steps logs in on its first check only; the next four reuse the
kept cookies, and each check row says which happened. The session file is the watch's own
(mode 0600), and its cookie is nowhere in the database or an export.
"""

from __future__ import annotations

import json
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from sqlmodel import Session, select

from scraper.browser import BrowserSession
from scraper.cli import main
from scraper.config.settings import load_settings
from scraper.pipeline.check import run_check, session_file
from scraper.store import Check, Watch, open_db
from tests.servers import serving

pytestmark = pytest.mark.browser

FORM = b"""<!doctype html><title>Members</title><h1>Members only</h1>
<form method="post" action="/login"><input id="user" name="user"><input id="password" name="password"
type="password"><button id="go">Log in</button></form>"""


@dataclass
class Members:
    base: str
    logins: list[str] = field(default_factory=list)
    sessions: set[str] = field(default_factory=set)
    post: str = "The harbour fees go up in March."
    items: list[str] = field(default_factory=lambda: ["Kayak 2 m: 120 EUR", "Dinghy: 900 EUR"])


@pytest.fixture
def members() -> Iterator[Members]:
    site = Members("")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/market":
                rows = "".join(f"<li class='ad'>{i}</li>" for i in site.items)
                self._send(f"<!doctype html><title>Market</title><nav>Home</nav><ul>{rows}</ul>"
                           f"<p class='clock'>{secrets.token_hex(4)}</p>".encode())
                return
            cookie = self.headers.get("Cookie", "")
            sid = next((c.split("=", 1)[1] for c in cookie.split("; ") if c.startswith("sid=")), None)
            if sid in site.sessions:
                self._send(f"<!doctype html><title>Members</title><a class='logout' href='/out'>Log out</a>"
                           f"<article><h1>Fees</h1><div class='entry-content'><p>{site.post}</p>"
                           f"</div></article>".encode())
            else:
                self._send(FORM)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            if form.get("user") == ["ann"] and form.get("password") == ["s3cret"]:
                sid = secrets.token_hex(16)
                site.sessions.add(sid)
                site.logins.append(sid)
                cookie = f"sid={sid}; Path=/; Max-Age=3600"
                self._send(b"", 303, {"Location": "/members", "Set-Cookie": cookie})
            else:
                self._send(FORM, 401)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with serving(server, "login-site"):
        site.base = f"http://127.0.0.1:{server.server_address[1]}"
        yield site


@pytest.fixture
def own_browser() -> Iterator[BrowserSession]:
    """A browser of the test's own settings. A check keeps a watch's session file under its
    browser's home; the shared session's home is one per test worker (its settings are read
    before any test's SCRAPER_HOME), where another test's watch 1 may have left a session."""
    with BrowserSession(load_settings()) as session:
        yield session


def test_a_login_is_kept_across_five_checks(
    members: Members, own_browser: BrowserSession, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MEMBER_PASSWORD", "s3cret")
    assert main(["watch", "add", f"{members.base}/members", "--name", "fees", "--keep-session",
                 "--logged-in", "a.logout",
                 "--action", '{fill: "#user", value: "ann"}',
                 "--action", '{fill: "#password", value: "${ENV:MEMBER_PASSWORD}"}',
                 "--action", '{click: "#go", max: 1}']) == 0
    settings = load_settings()
    engine = open_db(settings)
    with Session(engine) as session:
        watch = session.exec(select(Watch).where(Watch.name == "fees")).one()
    assert watch.id is not None
    for _ in range(5):
        result = run_check(engine, watch.id, own_browser)
        assert result.check.status == "ok", result.check.error
    with Session(engine) as session:
        checks = session.exec(select(Check).where(Check.watch_id == watch.id).order_by(Check.id)).all()
    assert [c.session for c in checks] == ["renewed", "kept", "kept", "kept", "kept"]
    assert len(members.logins) == 1  # one login, five checks

    kept = session_file(own_browser.settings, watch.id)
    assert kept.is_relative_to(settings.home)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert members.logins[0] in kept.read_text(encoding="utf-8")
    # The cookie is the watch's file's only: not in the database, not in an export.
    engine.dispose()
    assert members.logins[0].encode() not in (settings.home / "scraper.db").read_bytes()
    capsys.readouterr()
    assert main(["watch", "export"]) == 0
    exported = capsys.readouterr().out
    assert members.logins[0] not in exported and "keep_session: true" in exported

    # Logged out on the site's side: the next check logs in again, and says so.
    members.sessions.clear()
    engine = open_db(settings)
    result = run_check(engine, watch.id, own_browser)
    assert result.check.status == "ok" and result.check.session == "renewed"
    assert len(members.logins) == 2
    engine.dispose()


def test_select_watches_the_text_of_any_elements(
    members: Members, chromium: BrowserSession, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["watch", "add", f"{members.base}/market", "--name", "market", "--select", "li.ad",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "market"
    settings = load_settings()
    engine = open_db(settings)
    with Session(engine) as session:
        watch = session.exec(select(Watch).where(Watch.name == "market")).one()
    assert watch.id is not None
    first = run_check(engine, watch.id, chromium)
    assert first.check.status == "ok" and first.check.profile == "select"
    again = run_check(engine, watch.id, chromium)
    assert again.changes == []  # the clock paragraph is not selected: no change
    members.items[1] = "Dinghy: 850 EUR"
    changed = run_check(engine, watch.id, chromium)
    assert [(c.kind, c.paragraph, c.old, c.new) for c in changed.changes] == [
        ("article_edited", 2, "Dinghy: 900 EUR", "Dinghy: 850 EUR")]
    engine.dispose()


def test_select_and_a_profile_together_are_refused(
    members: Members, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["watch", "add", f"{members.base}/market", "--select", "li.ad", "--profile", "generic"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["watch", "add", f"{members.base}/market", "--select", "li[["]) == 2
    assert "--select" in capsys.readouterr().err
    assert not (load_settings().home / "scraper.db").exists()
