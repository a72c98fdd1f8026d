"""`scraper doctor`: the real machine's Chromium, Playwright, databases, profiles and data folder."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url

from scraper import store
from scraper.cli import main


def doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["doctor", *args])
    return code, capsys.readouterr().out


def checks(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, dict[str, Any]]]:
    code, out = doctor(capsys, "--json")
    report = json.loads(out)
    assert report["ok"] is (code == 0)
    return code, {check["name"]: check for check in report["checks"]}


def closed_port() -> int:
    """A port nothing listens on: bound to get a free one, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.browser  # the doctor runs the Chromium it finds (`--version`)
def test_everything_in_place_exits_0_and_creates_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    home = Path(os.environ["SCRAPER_HOME"])
    code, out = doctor(capsys)
    assert code == 0, out
    for name in ("settings", "browser", "playwright", "database", "profiles", "home"):
        assert f"✔ {name}" in out
    assert "✗" not in out
    assert "Chromium" in out  # the version the browser itself reported
    assert "drupal, generic, isso, wordpress" in out
    # Looking created neither the data folder nor the database in it.
    assert not home.exists()


@pytest.mark.browser  # the doctor runs the Chromium it finds (`--version`)
def test_json_names_the_browser_version_and_schema(
    capsys: pytest.CaptureFixture[str], local_engine: object
) -> None:
    code, found = checks(capsys)
    assert code == 0
    browser = found["browser"]["facts"]
    assert Path(browser["path"]).is_file() and browser["version"].startswith(("Chromium", "Google Chrome"))
    database = found["database"]["facts"]
    assert database["reachable"] is True
    assert database["revision"] == database["head"] == store.head_revision()
    assert found["home"]["facts"]["writable"] is True
    assert found["profiles"]["facts"]["profiles"] == ["drupal", "generic", "isso", "wordpress"]


def test_missing_browser_exits_1_with_the_fix(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "no-chromium"
    monkeypatch.setenv("SCRAPER_BROWSER", str(missing))
    code, out = doctor(capsys)
    assert code == 1
    assert f"✗ browser    SCRAPER_BROWSER={missing} is not a file" in out
    assert "fix: point SCRAPER_BROWSER at a Chromium executable, or unset it" in out
    assert "sudo apt-get install chromium" in out and "playwright install chromium" in out
    assert "✔ database" in out  # the rest is still checked


def test_a_browser_that_does_not_run_is_reported(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'error while loading shared libraries: libnss3.so' >&2\nexit 127\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("SCRAPER_BROWSER", str(broken))
    code, found = checks(capsys)
    assert code == 1
    assert found["browser"]["detail"] == (
        f"{broken} --version exited with 127: error while loading shared libraries: libnss3.so"
    )
    assert "reinstall it" in found["browser"]["fix"]


def test_unreachable_database_masks_the_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = closed_port()
    monkeypatch.setenv("SCRAPER_DATABASE_URL", f"postgresql://user:s3cret@127.0.0.1:{port}/db")
    code, out = doctor(capsys)
    assert code == 1
    assert f"✗ database   postgresql+psycopg://user:***@127.0.0.1:{port}/db: not reachable:" in out
    assert "fix: start the database server, or correct SCRAPER_DATABASE_URL" in out
    code, found = checks(capsys)
    assert code == 1
    assert found["database"]["ok"] is False and found["database"]["facts"]["reachable"] is False
    assert found["database"]["facts"]["url"] == f"postgresql+psycopg://user:***@127.0.0.1:{port}/db"
    assert "s3cret" not in out and "s3cret" not in json.dumps(found)


def test_unparseable_database_url_is_not_echoed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRAPER_DATABASE_URL", "s3cret-password-not-a-url")
    code, out = doctor(capsys)
    assert code == 1
    assert "✗ database   SCRAPER_DATABASE_URL is not a database URL" in out
    assert "s3cret" not in out


@pytest.mark.browser  # the doctor runs the Chromium it finds (`--version`)
def test_configured_database_behind_the_code_needs_an_upgrade(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    url = make_url(db_url)
    if url.get_backend_name() == "postgresql":
        url = url.set(password="s3cret")  # the test server trusts loopback: any password connects
    configured = url.render_as_string(hide_password=False)
    monkeypatch.setenv("SCRAPER_DATABASE_URL", configured)
    code, out = doctor(capsys)
    assert code == 1
    assert "fix: run `scraper db upgrade`" in out
    assert "s3cret" not in out
    if url.database and url.get_backend_name() == "sqlite":
        assert not Path(url.database).exists()  # reported, not created
    store.upgrade(configured)
    code, found = checks(capsys)
    assert code == 0
    head = store.head_revision()
    assert found["database"]["detail"].endswith(f": reachable, schema at {head}, newest {head}")
    assert "s3cret" not in json.dumps(found)


def test_broken_profiles_are_named_by_file_and_the_rest_counted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mine = tmp_path / "profiles"
    mine.mkdir()
    (mine / "site.yaml").write_text("name: site\narticle:\n  title: 'h1[['\n")
    (mine / "other.yaml").write_text("name: other\nextends: nowhere\n")
    (mine / "fine.yaml").write_text("name: fine\nextends: wordpress\n")
    builtin = Path(__file__).resolve().parents[1] / "selectors"
    monkeypatch.setenv("SCRAPER_PROFILES", f"{builtin}{os.pathsep}{mine}")
    code, found = checks(capsys)
    assert code == 1
    profiles = found["profiles"]
    assert profiles["facts"]["profiles"] == ["drupal", "fine", "generic", "isso", "wordpress"]
    errors = "\n".join(profiles["facts"]["errors"])
    assert f"{mine / 'site.yaml'}:3: article.title: invalid CSS selector" in errors
    assert f"{mine / 'other.yaml'}:2: extends: no profile named 'nowhere'" in errors
    assert len(profiles["facts"]["errors"]) == 2
    assert profiles["detail"].startswith(f"5 loaded from {builtin}, {mine}; 2 broken:")
    assert "scraper profile check FILE" in profiles["fix"]


def test_home_that_cannot_be_created(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("SCRAPER_HOME", str(blocker / "home"))
    code, found = checks(capsys)
    assert code == 1
    assert found["home"]["ok"] is False
    assert found["home"]["detail"] == f"SCRAPER_HOME {blocker / 'home'}: {blocker} is not a folder"
    assert found["database"]["ok"] is False  # its file would live there too
    assert blocker.read_text() == ""


def test_invalid_setting_is_a_failed_check_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRAPER_DEADLINE", "soon")
    code, out = doctor(capsys)
    assert code == 1
    assert "✗ settings SCRAPER_DEADLINE='soon': give seconds" in out
    assert "fix: correct that variable, or unset it for the default" in out


def test_remote_browser_endpoint_is_probed_without_its_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        monkeypatch.setenv("SCRAPER_BROWSER_WS", f"ws://127.0.0.1:{port}/playwright?token=s3cret")
        code, found = checks(capsys)
    assert code == 0
    assert found["browser"]["detail"] == (
        f"a remote browser at ws://127.0.0.1:{port} (SCRAPER_BROWSER_WS; listening)"
    )
    monkeypatch.setenv("SCRAPER_BROWSER_WS", f"ws://127.0.0.1:{closed_port()}/?token=s3cret")
    code, out = doctor(capsys)
    assert code == 1
    assert "is not reachable (Connection refused)" in out
    assert "s3cret" not in out and "s3cret" not in json.dumps(found)
