"""Safe by default: loopback only without authentication, the admin login, CSRF on every form
(a real cross-site post from another site's page is refused), the headers, DNS rebinding, tokens
stored hashed and shown once, and hostile page text inert in the feeds."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import httpx
import pytest
from loguru import logger
from playwright.sync_api import Page
from sqlmodel import Session, select

from scraper import store
from scraper.base.errors import InputError
from scraper.cli import main
from scraper.config.settings import load_settings
from scraper.model.record import Article, Comment, Record
from scraper.store import ApiToken
from scraper.web.server import check_bind
from scraper.web.throttle import LoginThrottle, delay_after
from tests.fixtures.web import Dashboard

HOSTILE = "<script>alert(1)</script></textarea><b>bold?</b>"


def test_serving_beyond_loopback_needs_authentication(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    code = main(["serve", "--host", "0.0.0.0", "--port", "0"])
    assert code == 2
    assert "--host 0.0.0.0: not a loopback address" in capsys.readouterr().err
    assert not (load_settings().home / "scraper.db").exists()  # nothing written
    for host in ("127.0.0.1", "::1", "localhost"):
        check_bind(host, load_settings())
    monkeypatch.setenv("SCRAPER_ADMIN_PASSWORD", "correct horse battery")
    check_bind("0.0.0.0", load_settings())  # with authentication configured it may listen
    monkeypatch.setenv("SCRAPER_ADMIN_PASSWORD", "short")
    with pytest.raises(InputError, match="at least 8"):
        load_settings()


def test_headers_and_dns_rebinding(dashboard: Dashboard) -> None:
    for path in ("/", "/static/app.css", "/api/v1/watches", "/nope"):
        response = httpx.get(dashboard.base_url + path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "default-src 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(dashboard.base_url + "/", headers={"Host": "evil.example"}).status_code == 400


def test_a_form_post_without_the_csrf_token_is_refused(dashboard: Dashboard) -> None:
    with httpx.Client(base_url=dashboard.base_url) as client:
        page = client.get("/watches/new")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"url": "https://example.org/", "confirm": "1"}
        assert client.post("/watches", data=form).status_code == 403
        assert client.post("/watches", data={**form, "csrf_token": "0" * 64}).status_code == 403
        cross = client.post("/watches", data={**form, "csrf_token": token},
                            headers={"Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403
        ok = client.post("/watches", data={**form, "csrf_token": token})
        assert ok.status_code == 303
    # Another client (no CSRF cookie) with the first one's token: refused.
    assert httpx.post(dashboard.base_url + "/watches", data={**form, "csrf_token": token}).status_code == 403


@pytest.fixture
def attacker_site() -> Iterator[Callable[[str], str]]:
    """A page on another site (localhost is not 127.0.0.1's site) that posts a form cross-site."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def serve(html: str) -> str:
        pages["/"] = html.encode()
        return f"http://localhost:{server.server_address[1]}/"

    yield serve
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_a_cross_site_form_post_from_a_real_page_is_refused(
        page: Page, dashboard: Dashboard, attacker_site: Callable[[str], str]) -> None:
    page.goto(dashboard.base_url + "/")  # the victim has the dashboard open: it has its cookie
    evil = attacker_site(
        f'<form id="f" method="post" action="{dashboard.base_url}/watches">'
        '<input name="url" value="https://evil.example/"><input name="csrf_token" value="guess">'
        '</form><script>document.getElementById("f").submit()</script>')
    with page.expect_response(f"{dashboard.base_url}/watches") as posted:
        page.goto(evil)
    assert posted.value.status == 403
    assert dashboard.api().get("/watches").json()["items"] == []


def test_admin_password_login_and_session_cookie(dashboard_with: Callable[..., Dashboard]) -> None:
    served = dashboard_with(SCRAPER_ADMIN_PASSWORD="correct horse battery")
    with httpx.Client(base_url=served.base_url) as client:
        assert client.get("/").status_code == 303 and client.get("/").headers["location"] == "/login"
        assert client.get("/feeds/changes.atom").status_code == 401
        login = client.get("/login")
        token = login.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        wrong = client.post("/login", data={"password": "nope", "csrf_token": token})
        assert wrong.status_code == 401
        right = client.post("/login", data={"password": "correct horse battery", "csrf_token": token})
        assert right.status_code == 303
        cookie = right.headers["set-cookie"]
        assert "scraper_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert client.get("/").status_code == 200
        assert client.get("/api/v1/watches").status_code == 401  # the API wants its token, not a cookie
    assert served.api().get("/watches").status_code == 200
    # The feed takes a token too (feed readers cannot log in).
    assert httpx.get(served.base_url + "/feeds/changes.atom",
                     headers={"Authorization": f"Bearer {served.token}"}).status_code == 200


def test_tokens_are_shown_once_and_stored_hashed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "create", "ci", "--json"]) == 0
    import json

    created = json.loads(capsys.readouterr().out)
    token = created["token"]
    assert token.startswith("scr_") and len(token) > 40
    assert main(["token", "list"]) == 0
    listed = capsys.readouterr().out
    assert "ci" in listed and token not in listed and token[:12] in listed
    engine = store.open_store(load_settings().database_url, auto_upgrade=True)
    with Session(engine) as session:
        row = session.exec(select(ApiToken)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    db_bytes = Path(load_settings().home / "scraper.db").read_bytes()
    assert token.encode() not in db_bytes
    assert main(["token", "revoke", str(created["id"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["revoked_at"] is not None
    assert main(["token", "revoke", "99"]) == 2
    engine.dispose()


def test_feeds_are_valid_atom_with_page_text_as_text(dashboard: Dashboard,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    record = Record(url="https://example.org/p", final_url="https://example.org/p",
                    fetched_at="2026-11-30T10:00:00Z", profile="wordpress",
                    article=Article(title="T", text="One."),
                    comments=[Comment(id="7", author="Eve </textarea>", text=HOSTILE)])
    with Session(dashboard.engine) as session:
        watch = store.add_watch(session, name="hostile", url="https://example.org/p")
        check = store.add_check(session, watch, started_at=datetime(2026, 11, 30, 10, tzinfo=UTC),
                                duration_ms=9, status="ok", record=record)
        added = {"kind": "comment_added", "comment": record.comments[0].model_dump()}
        store.add_changes(session, check, [added], [True])
        session.commit()
    for path in ("/feeds/changes.atom", "/feeds/watches/1.atom", "/feeds/watches/hostile.atom"):
        response = httpx.get(dashboard.base_url + path)
        assert response.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(response.text)
        assert not feed.bozo, feed.bozo_exception
        entry = feed.entries[0]
        assert entry.title == "hostile: 1 new comment"
        assert entry.link == f"{dashboard.base_url}/watches/1/checks/1"
        html = entry.content[0].value
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/textarea&gt;" in html
        assert "<script" not in html and "<b>" not in html
    assert httpx.get(dashboard.base_url + "/feeds/watches/9.atom").status_code == 404
    # The page of the change the feed links to shows the comment as text.
    page = httpx.get(f"{dashboard.base_url}/watches/1/checks/1").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/textarea&gt;&lt;b&gt;bold?&lt;/b&gt;" in page


def _csrf(client: httpx.Client, path: str = "/login") -> str:
    return client.get(path).text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_the_login_delay_grows_after_a_few_wrong_passwords() -> None:
    assert [delay_after(n) for n in range(1, 9)] == [0, 0, 1, 2, 4, 8, 16, 32]
    assert delay_after(100) == 300  # its ceiling
    now = [0.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(4):
        throttle.failed("10.0.0.1")
    assert throttle.wait("10.0.0.1") == 2 and throttle.wait("10.0.0.2") == 0  # per client
    now[0] += 2
    assert throttle.wait("10.0.0.1") == 0
    throttle.succeeded("10.0.0.1")
    assert throttle.failed("10.0.0.1") == (1, 0)  # a good login starts the count again


def test_wrong_passwords_are_throttled_and_logged_never_the_password(
        dashboard_with: Callable[..., Dashboard]) -> None:
    served = dashboard_with(SCRAPER_ADMIN_PASSWORD="correct horse battery")
    now = [1000.0]
    served.server.config.app.state.ctx.throttle = LoginThrottle(clock=lambda: now[0])
    lines: list[str] = []
    # The package's lines are off until a command turns them on (scraper/__init__.py): this one is
    # served in-process, so the test turns them on itself, not an earlier test's command run.
    logger.enable("scraper")
    handler = logger.add(lines.append, level="INFO", format="{message}")
    try:
        with httpx.Client(base_url=served.base_url) as client:
            token = _csrf(client)
            codes = [client.post("/login", data={"password": f"guess-{n}", "csrf_token": token}
                                 ).status_code for n in range(3)]
            assert codes == [401, 401, 401]
            right = {"password": "correct horse battery", "csrf_token": token}
            # The right password, within the wait the 3rd wrong one earned: refused, saying when.
            held = client.post("/login", data=right)
            assert held.status_code == 429 and held.headers["retry-after"] == "1"
            assert "too many wrong passwords: try again in 1 s" in held.text
            now[0] += 1
            assert client.post("/login", data={"password": "guess-3", "csrf_token": token}
                               ).status_code == 401
            held = client.post("/login", data=right)  # the wait grew
            assert held.status_code == 429 and held.headers["retry-after"] == "2"
            assert client.get("/").status_code == 303  # not logged in
            now[0] += 2
            assert client.post("/login", data=right).status_code == 303
            assert client.get("/").status_code == 200
    finally:
        logger.remove(handler)
        logger.disable("scraper")
    text = "\n".join(lines)
    assert "dashboard login from 127.0.0.1: wrong password (4 in a row; next try in 2s)" in text
    assert "dashboard login from 127.0.0.1 refused: 2s to wait" in text
    assert "dashboard login from 127.0.0.1\n" in text + "\n"
    assert "guess-" not in text and "correct horse" not in text


def test_logout_revokes_the_session_server_side(dashboard_with: Callable[..., Dashboard]) -> None:
    served = dashboard_with(SCRAPER_ADMIN_PASSWORD="correct horse battery")
    with httpx.Client(base_url=served.base_url) as client:
        right = client.post("/login", data={"password": "correct horse battery",
                                            "csrf_token": _csrf(client)})
        assert right.status_code == 303
        cookie = client.cookies["scraper_session"]
        with httpx.Client(base_url=served.base_url, cookies={"scraper_session": cookie}) as thief:
            assert thief.get("/").status_code == 200  # a copied cookie works while logged in
            out = client.post("/logout", data={"csrf_token": _csrf(client, "/")})
            assert out.status_code == 303
            assert thief.get("/").status_code == 303  # ... and dies with the logout
            assert thief.get("/").headers["location"] == "/login"
    with Session(served.engine) as session:
        rows = session.exec(select(store.models.WebSession)).all()
    assert len(rows) == 1 and rows[0].revoked_at is not None
    assert rows[0].token_hash == hashlib.sha256(cookie.encode()).hexdigest()  # never the cookie


def test_the_admin_password_may_be_a_hash_from_scraper_passwd(
        dashboard_with: Callable[..., Dashboard], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["passwd"]) == 0
    made = capsys.readouterr().out.strip()
    assert made.startswith("scrypt:32768:8:1$") and "correct horse" not in made
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["passwd"]) == 2
    assert "too short" in capsys.readouterr().err
    served = dashboard_with(SCRAPER_ADMIN_PASSWORD=made)
    with httpx.Client(base_url=served.base_url) as client:
        token = _csrf(client)
        assert client.post("/login", data={"password": made, "csrf_token": token}).status_code == 401
        right = client.post("/login", data={"password": "correct horse battery", "csrf_token": token})
        assert right.status_code == 303 and client.get("/").status_code == 200
    monkeypatch.setenv("SCRAPER_ADMIN_PASSWORD", made.replace("$", "$x", 1))
    with pytest.raises(InputError, match="SCRAPER_ADMIN_PASSWORD: not a well-formed scrypt hash"):
        load_settings()


@pytest.fixture
def planted(dashboard: Dashboard, tmp_path: Path) -> Callable[[str], int]:
    """A capture row whose folder holds a link (at the .wacz, or as the folder) to a secret file."""
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET\n")

    def plant(where: str) -> int:
        folder = tmp_path / f"capture-{where}"
        if where == "folder":
            real = tmp_path / "elsewhere"
            real.mkdir()
            (real / "bundle.wacz").symlink_to(secret)
            folder.symlink_to(real)
        else:
            folder.mkdir()
            (folder / "bundle.wacz").symlink_to(secret)
        with Session(dashboard.engine) as session:
            row = store.add_capture(session, store.Capture(
                url="http://127.0.0.1:1/", final_url="http://127.0.0.1:1/",
                captured_at=datetime.now(UTC), path=str(folder), wacz=str(folder / "bundle.wacz"),
                package_hash="0" * 64, datapackage_hash="sha256:" + "0" * 64))
            session.commit()
            assert row.id is not None
            return row.id
    return plant


@pytest.mark.parametrize("where", ["wacz", "folder"])
def test_a_download_refuses_a_symlink_planted_in_the_capture(
        dashboard: Dashboard, planted: Callable[[str], int], where: str) -> None:
    capture_id = planted(where)
    answer = dashboard.api().get(f"/captures/{capture_id}/download")
    assert answer.status_code == 403 and "SECRET" not in answer.text
    assert answer.json()["where"] == "file" and "symlink" in answer.json()["error"]
    page = httpx.get(f"{dashboard.base_url}/captures/{capture_id}/download")
    assert page.status_code == 403 and "SECRET" not in page.text


def test_every_field_has_a_bound_and_a_bad_url_is_a_4xx(dashboard: Dashboard) -> None:
    api = dashboard.api()
    huge = "x" * 5_000_000
    answer = api.post("/watches", json={"url": "https://example.org/", "name": huge})
    assert answer.status_code == 422 and answer.json()["where"] == "name"
    assert "at most 200 characters (this one has 5000000)" in answer.text and len(answer.text) < 10_000
    assert api.post("/watches", json={"url": "https://example.org/", "tags": ["t"] * 201}
                    ).json()["where"] == "tags"
    too_long = api.post("/captures", json={"url": "https://example.org/", "case": "c" * 201})
    assert too_long.status_code == 422 and too_long.json()["where"] == "case"
    bad = api.post("/watches", json={"url": "http://[::1:bad"})
    assert bad.status_code == 422 and bad.json()["where"] == "url"
    assert "not a valid URL" in bad.text
    assert api.post("/captures", json={"url": "http://[::1:bad"}).status_code == 422
    assert api.get("/watches").json()["items"] == []  # nothing stored
    with httpx.Client(base_url=dashboard.base_url) as client:
        token = _csrf(client, "/watches/new")
        form = client.post("/watches", data={"url": "https://example.org/", "name": huge,
                                             "confirm": "1", "csrf_token": token})
        assert form.status_code == 422 and "at most 200 characters" in form.text
        assert len(form.text) < 100_000  # the 5 MB value is not sent back
        bad_form = client.post("/watches", data={"url": "http://[::1:bad", "confirm": "1",
                                                 "csrf_token": token})
        assert bad_form.status_code == 422 and "not a valid URL" in bad_form.text
    assert api.get("/watches").json()["items"] == []
