"""Fetch settings and browser steps through the real CLI, against a loopback site that records what
reaches it (tests/sites/recorder.py): the user agent, headers, cookies, locale, time zone, window
size, a proxy with a password, and a login whose session cookie the next page needs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from scraper import store
from scraper.config.settings import load_settings
from scraper.store import open_db
from tests.cli import run
from tests.sites.recorder import (
    MEMBERS_TEXT,
    PASSWORD,
    PROXY_PASSWORD,
    PROXY_USER,
    USER,
    RecorderSite,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site() -> Iterator[RecorderSite]:
    server = RecorderSite().start()
    try:
        yield server
    finally:
        server.stop()



def stored_record(watch_id: int) -> dict[str, Any]:
    with Session(open_db(load_settings())) as session:
        last = store.last_check_with_snapshot(session, watch_id)
        assert last is not None
        return store.load_record(session, last).to_dict()


def test_the_default_user_agent_does_not_say_headless(
    capsys: pytest.CaptureFixture[str], site: RecorderSite
) -> None:
    code, _, err = run(capsys, "capture", site.base_url + "/page", "--json")
    assert code == 0, err
    agent = site.requests("/page")[-1].headers["User-Agent"]
    assert "Headless" not in agent and re.search(r"Chrome/\d+\.", agent), agent
    assert "Headless" not in site.probe()["ua"]  # navigator.userAgent agrees
    hints = site.requests("/page")[-1].headers.get("sec-ch-ua", "")
    # The headless shell names itself HeadlessChrome there: the page is told Chromium instead.
    assert "Headless" not in hints and '"Chromium"' in hints, hints


def test_the_client_hints_are_read_once_per_build_and_kept(
    capsys: pytest.CaptureFixture[str], site: RecorderSite, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    code, _, err = run(capsys, "capture", site.base_url + "/page", "--json")
    assert code == 0, err
    kept_file = tmp_path / "scraper" / "client-hints.json"
    kept = json.loads(kept_file.read_text(encoding="utf-8"))
    [(key, metadata)] = kept.items()
    assert "HeadlessChrome/" in key  # the build's own user agent says which build it is
    brands = [b["brand"] for b in metadata["brands"]]
    assert "Chromium" in brands and not [b for b in brands if "Headless" in b], brands
    # The next browser uses what was kept and opens no page to read them again: a version only
    # the kept file has reaches the page.
    for brand in metadata["brands"]:
        brand["version"] = "999" if brand["brand"] == "Chromium" else brand["version"]
    kept_file.write_text(json.dumps({key: metadata}), encoding="utf-8")
    code, _, err = run(capsys, "capture", site.base_url + "/page", "--json")
    assert code == 0, err
    hints = site.requests("/page")[-1].headers.get("sec-ch-ua", "")
    assert '"Chromium";v="999"' in hints and "Headless" not in hints, hints


def test_a_watch_sends_its_own_user_agent_headers_cookies_locale_zone_and_size(
    capsys: pytest.CaptureFixture[str], site: RecorderSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECORDER_SESSION", "cookie-from-the-environment")
    code, out, err = run(
        capsys, "watch", "add", site.base_url + "/page", "--name", "rec", "--json",
        "--user-agent", "ScraperTest/1.0 (+https://example.org/bot)",
        "--header", "X-Watch: rec", "--header", "Authorization: Token ${ENV:RECORDER_SESSION}",
        "--cookie", "session=${ENV:RECORDER_SESSION}", "--locale", "fr-FR",
        "--timezone", "Asia/Tokyo", "--viewport", "1111x777",
    )
    assert code == 0, err
    shown = json.loads(out)["fetch"]
    assert "cookie-from-the-environment" not in out
    assert shown["cookies"] == {"session": "${ENV:RECORDER_SESSION}"}

    code, out, err = run(capsys, "check", "rec", "--json")
    assert code == 0, err
    page = site.requests("/page")[-1].headers
    assert page["User-Agent"] == "ScraperTest/1.0 (+https://example.org/bot)"
    assert page["X-Watch"] == "rec"
    assert page["Authorization"] == "Token cookie-from-the-environment"
    assert page["Cookie"] == "session=cookie-from-the-environment"
    assert page["Accept-Language"].startswith("fr-FR")
    probe = site.probe()
    assert (probe["tz"], probe["w"], probe["h"], probe["lang"]) == ("Asia/Tokyo", "1111", "777", "fr-FR")
    assert "cookie-from-the-environment" not in out + err

    # An environment variable that is gone: the check fails, saying which; no empty cookie sent.
    monkeypatch.delenv("RECORDER_SESSION")
    count = len(site.requests("/page"))
    code, out, err = run(capsys, "check", "rec", "--json")
    assert code == 1
    error = json.loads(out)["check"]["error"]
    assert "environment variables not set" in error and "cookies.session: RECORDER_SESSION" in error
    assert len(site.requests("/page")) == count


def test_a_proxy_with_a_password_from_the_environment(
    capsys: pytest.CaptureFixture[str], site: RecorderSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROXY_PASSWORD", PROXY_PASSWORD)
    proxy = f"http://{PROXY_USER}:${{ENV:PROXY_PASSWORD}}@127.0.0.1:{site.server_address[1]}"
    # No such host anywhere: only the proxy can answer for it.
    code, out, err = run(capsys, "watch", "add", "http://watched.test/page", "--proxy", proxy,
                         "--name", "proxied")
    assert code == 0, err
    code, out, err = run(capsys, "check", "proxied", "--json")
    assert code == 0, err
    seen = site.requests("/page")[-1]
    assert seen.via_proxy and seen.headers["Host"] == "watched.test"
    assert stored_record(json.loads(out)["watch"]["id"])["article"]["title"] == "A page that reports back"
    assert PROXY_PASSWORD not in out + err

    # SCRAPER_PROXY is the default for every page; a wrong password is a clear failure.
    monkeypatch.setenv("SCRAPER_PROXY", f"http://{PROXY_USER}:wrong@127.0.0.1:{site.server_address[1]}")
    code, out, err = run(capsys, "capture", "http://watched.test/page")
    assert code == 1 and "cannot load http://watched.test/page" in err
    assert "wrong" not in err


LOGIN_STEPS = """\
name: members
extends: generic
actions:
  - fill: "#user"
    value: "${ENV:SITE_USER}"
  - type: "#password"
    value: "${ENV:SITE_PASSWORD}"
  - select: "#remember"
    value: 30 days
  - press: Enter
    selector: "#password"
  - wait_for: ".entry-content"
"""


def test_a_login_in_profile_steps_reaches_the_members_page(
    capsys: pytest.CaptureFixture[str], site: RecorderSite, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    profile = tmp_path / "members.yaml"
    profile.write_text(LOGIN_STEPS)
    url = site.base_url + "/members/"

    code, out, err = run(capsys, "capture", url, "--profile", str(profile), "--json")
    assert (code, out) == (2, "")  # the variables are not set: said before any browser starts
    assert "environment variables not set: fill #user: SITE_USER; type #password: SITE_PASSWORD" in err

    monkeypatch.setenv("SITE_USER", USER)
    monkeypatch.setenv("SITE_PASSWORD", PASSWORD)
    code, out, err = run(capsys, "capture", url, "--profile", str(profile), "--json")
    assert code == 0, err
    record = json.loads(out)
    assert record["final_url"] == url and MEMBERS_TEXT in record["article"]["text"]
    login = site.requests("/login")[-1]
    assert login.form == {"user": USER, "password": PASSWORD, "remember": "30"}
    assert site.requests("/members/")[-1].headers["Cookie"] == f"session={site.session}"

    code, out, err = run(capsys, "profile", "test", url, "--profile", str(profile), "--json")
    assert code == 0, err
    steps = [(s["kind"], s["target"], s["ok"], s["outcome"]) for s in json.loads(out)["load"]["steps"]]
    assert steps[:4] == [
        ("fill", "#user", True, "filled in 6 characters"),
        ("type", "#password", True, f"typed {len(PASSWORD)} characters"),
        ("select", "#remember", True, "chose '30 days'"),
        ("press", "Enter in #password", True, f"pressed Enter; it opened {url}"),
    ]
    assert steps[4][:3] == ("wait_for", ".entry-content", True)
    assert PASSWORD not in out
    code, out, err = run(capsys, "profile", "test", url, "--profile", str(profile))
    assert code == 0, err
    assert re.search(r"1\s+profile\s+fill #user\s+✔ filled in 6 characters", out)
    assert "0 clicks, 0 scrolls" in out
    assert PASSWORD not in out + err


def test_a_login_in_a_watchs_steps_and_a_wrong_password(
    capsys: pytest.CaptureFixture[str], site: RecorderSite, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SITE_PASSWORD", PASSWORD)
    url = site.base_url + "/members/"
    code, _, err = run(capsys, "watch", "add", url, "--name", "members", "--profile", "generic",
                       "--action", f"{{fill: '#user', value: {USER}}}",
                       "--action", "{fill: '#password', value: '${ENV:SITE_PASSWORD}'}",
                       "--action", "{click: 'button[type=submit]'}")
    assert code == 0, err
    code, out, err = run(capsys, "check", "members", "--json")
    assert code == 0, err
    record = stored_record(json.loads(out)["watch"]["id"])
    assert MEMBERS_TEXT in record["article"]["text"]

    monkeypatch.setenv("SITE_PASSWORD", "not the password")
    code, out, err = run(capsys, "check", "members", "--json")
    result = json.loads(out)
    assert code == 0 and result["check"]["status"] == "ok"  # the page said no: no members' text
    assert MEMBERS_TEXT not in json.dumps(stored_record(result["watch"]["id"]))
    assert "not the password" not in out + err
    with Session(open_db(load_settings())) as session:
        watch = store.get_watch(session, "members")
        assert PASSWORD not in json.dumps(watch.actions)
