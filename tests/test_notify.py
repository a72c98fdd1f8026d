"""Reports that are easy to set up and to try: SMTP security from the port, `scraper notify test`
through the real delivery path, `doctor` asking the SMTP server and the channels' hosts, plain
webhooks accepted as they are, named channels in a channels file of their own (issue 26)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.config.environment import Environment
from tests.cli import run
from tests.fixtures.http_recorder import Recorder
from tests.fixtures.smtp import LOOPBACK, SmtpServer, TlsFiles, free_port

TOKEN = "s3cr3t-T0KEN"


@pytest.mark.parametrize(("host", "port", "security", "expected"), [
    ("smtp.example.org", 465, None, ("ssl", 465)),
    ("smtp.example.org", 587, None, ("starttls", 587)),
    ("smtp.example.org", 25, None, ("none", 25)),
    ("smtp.example.org", None, None, ("starttls", 587)),
    ("smtp.example.org", 2525, None, ("starttls", 2525)),
    ("localhost", None, None, ("none", 25)),
    ("127.0.0.1", 2525, None, ("none", 2525)),
    ("smtp.example.org", 465, "starttls", ("starttls", 465)),  # overridable
    ("127.0.0.1", 2525, "ssl", ("ssl", 2525)),
])
def test_smtp_security_follows_the_port_unless_set(
    monkeypatch: pytest.MonkeyPatch, host: str, port: int | None, security: str | None,
    expected: tuple[str, int],
) -> None:
    monkeypatch.setenv("SCRAPER_SMTP_HOST", host)
    if port is not None:
        monkeypatch.setenv("SCRAPER_SMTP_PORT", str(port))
    if security is not None:
        monkeypatch.setenv("SCRAPER_SMTP_SECURITY", security)
    smtp = Environment().settings().mail.smtp
    assert smtp is not None and (smtp.security, smtp.port) == expected


def test_notify_test_sends_through_a_plain_local_relay_without_naming_the_security(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A relay on this machine, no SCRAPER_SMTP_SECURITY: plain, as a local relay speaks."""
    server = SmtpServer().start()
    try:
        monkeypatch.setenv("SCRAPER_SMTP_HOST", LOOPBACK)
        monkeypatch.setenv("SCRAPER_SMTP_PORT", str(server.port))
        code, out, err = run(capsys, "notify", "test", "--email", "desk@example.org")
        assert code == 0, err
        assert f"sent to desk@example.org through SMTP {LOOPBACK}:{server.port} (plain)" in out
        [got] = server.wait_for(1)
        assert got.recipients == ["desk@example.org"]
        assert got.message["Subject"].startswith("[scraper] 1 new comment")
        assert "if you read it, reports reach you" in got.message.get_body(("plain",)).get_content()
    finally:
        server.stop()
    assert not (Path(os.environ["SCRAPER_HOME"]) / "scraper.db").exists()  # nothing stored


@pytest.fixture
def login_server(monkeypatch: pytest.MonkeyPatch, trust_test_ca: TlsFiles) -> Iterator[SmtpServer]:
    """A STARTTLS server that takes the login 'reports' / 'right-password', and scraper's settings
    pointed at it as that user (the password is each test's to give)."""
    server = SmtpServer(security="starttls", tls=trust_test_ca.server_context(),
                        users={"reports": "right-password"}).start()
    try:
        server.configure(monkeypatch)
        monkeypatch.setenv("SCRAPER_SMTP_USER", "reports")
        yield server
    finally:
        server.stop()


def test_notify_test_says_what_went_wrong(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], login_server: SmtpServer
) -> None:
    monkeypatch.setenv("SCRAPER_SMTP_PASSWORD", "wrong-password")
    code, out, err = run(capsys, "notify", "test", "--email", "desk@example.org")
    assert code == 1
    assert "not sent to desk@example.org through SMTP" in out and "(STARTTLS, login 'reports')" in out
    assert "refused the login of 'reports'" in out
    assert "wrong-password" not in out + err
    assert login_server.received == []
    assert run(capsys, "notify", "test", "--email", "nobody")[0] == 2
    code, _, err = run(capsys, "notify", "test")
    assert code == 2 and "nobody to send a report to" in err


def test_doctor_asks_the_smtp_server_and_sends_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], login_server: SmtpServer
) -> None:
    monkeypatch.setenv("SCRAPER_SMTP_PASSWORD", "right-password")
    email = _check(run(capsys, "doctor", "--json")[1], "email")
    assert email["ok"], email
    assert "connected, EHLO, STARTTLS, AUTH as 'reports' (nothing sent)" in email["detail"]
    assert login_server.logins == [(login_server.logins[0][0], "reports")] and login_server.received == []
    monkeypatch.setenv("SCRAPER_SMTP_PASSWORD", "wrong-password")
    email = _check(run(capsys, "doctor", "--json")[1], "email")
    assert not email["ok"] and "refused the login of 'reports'" in email["detail"]
    monkeypatch.setenv("SCRAPER_SMTP_PORT", str(free_port()))  # nothing listens there
    code, out, _ = run(capsys, "doctor", "--json")
    assert code == 1 and not _check(out, "email")["ok"]  # it said all ✔ before


def _check(out: str, name: str) -> dict[str, object]:
    found = [c for c in json.loads(out)["checks"] if c["name"] == name]
    assert found, f"no {name!r} check in the doctor's report"
    return dict(found[0])


def test_a_plain_webhook_is_kept_as_it_is_and_credentials_are_refused(
    capsys: pytest.CaptureFixture[str], http_recorder: Recorder
) -> None:
    hook = f"http://{http_recorder.origin}/hook"
    code, out, err = run(capsys, "watch", "add", "https://example.org/post", "--name", "w",
                         "--notify", hook)
    assert code == 0, err
    assert run(capsys, "watch", "export")[1].count(hook) == 1  # stored as given
    code, out, err = run(capsys, "notify", "test", "w")
    assert code == 0, err
    assert "through a JSON webhook (POST)" in out
    [request] = http_recorder.requests
    assert request.path == "/hook"
    assert json.loads(request.body)["reports"][0]["watch"] == "w"
    for secret in (f"https://hooks.example.org/hook?token={TOKEN}", f"https://me:{TOKEN}@hooks.example.org/h"):
        code, _, err = run(capsys, "watch", "add", "https://example.org/other", "--notify", secret)
        assert code == 2 and TOKEN not in err
        assert "give that part, or the whole URL, as ${ENV:NAME}" in " ".join(err.split())


def test_named_channels_come_from_a_private_channels_file(
    capsys: pytest.CaptureFixture[str], http_recorder: Recorder, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    channels = tmp_path / "channels.conf"
    monkeypatch.setenv("SCRAPER_CHANNELS_FILE", str(channels))
    # Apprise's own TEXT format, as an Apprise user has it: tags=URL.
    channels.write_text(f"team-hook, desk = json://{http_recorder.origin}/team/{TOKEN}\n")
    channels.chmod(0o644)
    code, out, err = run(capsys, "watch", "add", "https://example.org/post", "--name", "w",
                         "--notify", "@team-hook")
    assert code == 0, err
    code, out, _ = run(capsys, "notify", "test", "w")
    assert code == 1 and f"chmod 600 {channels}" in out and http_recorder.requests == []
    channels.chmod(0o600)
    code, out, err = run(capsys, "notify", "test", "--notify", "@desk")  # a tag works as well
    assert code == 0, out + err
    assert f"sent to @desk through the channels of {channels} named @desk" in out
    with http_recorder.changed:
        http_recorder.changed.wait_for(lambda: len(http_recorder.requests) == 1, timeout=30)
    assert http_recorder.requests[0].path == f"/team/{TOKEN}"
    code, out, _ = run(capsys, "notify", "test", "--notify", "@nobody")
    assert code == 1 and "@nobody: no channel of" in out
    assert run(capsys, "watch", "add", "https://example.org/x", "--notify", "@bad name")[0] == 2
    assert TOKEN.encode() not in (Path(os.environ["SCRAPER_HOME"]) / "scraper.db").read_bytes()
    assert TOKEN not in run(capsys, "watch", "export")[1]

    code, out, _ = run(capsys, "doctor", "--channels", "--json")
    checks = json.loads(out)["checks"]
    [reached] = [c for c in checks if c["name"].startswith("channel json://")]
    assert reached["ok"] and "reachable (nothing sent)" in reached["detail"]
    assert TOKEN not in out
