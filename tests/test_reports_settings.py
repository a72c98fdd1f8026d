"""Report settings and per-watch report options: checked up front (exit 2, nothing written), and
secrets (the SMTP password, tokens in channel URLs) never shown."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scraper.cli import main
from scraper.settings import load_settings

TOKEN = "xoxb-0000-SECRET"


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("SCRAPER_SMTP_SECURITY", "tls", "SCRAPER_SMTP_SECURITY='tls': give none, starttls or ssl"),
    ("SCRAPER_SMTP_PORT", "99999", "SCRAPER_SMTP_PORT='99999': give a port number"),
    ("SCRAPER_MAIL_FROM", "nobody", "SCRAPER_MAIL_FROM='nobody': not an e-mail address"),
    ("SCRAPER_TEMPLATES", "/no/such/folder", "SCRAPER_TEMPLATES='/no/such/folder': no such folder"),
])
def test_bad_settings_are_bad_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                    variable: str, value: str, expected: str) -> None:
    monkeypatch.setenv(variable, value)
    assert main(["outbox"]) == 2
    assert expected in " ".join(capsys.readouterr().err.split())
    assert not _home().exists()  # nothing written, not even the database


def _home() -> Path:
    return Path(os.environ["SCRAPER_HOME"])


def test_the_password_and_channel_tokens_stay_out_of_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPER_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("SCRAPER_SMTP_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("SCRAPER_NOTIFY", f"slack://{TOKEN}/C123 json://hooks.example.org/{TOKEN}")
    settings = load_settings()
    assert settings.mail.smtp is not None and settings.mail.smtp.port == 587  # starttls by default
    assert len(settings.mail.channels) == 2
    shown = repr(settings) + str(settings)
    assert "hunter2" not in shown and TOKEN not in shown


def test_watch_report_options(capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://example.org/post"
    assert main(["watch", "add", url, "--digest", "weekly"]) == 2
    assert "--digest 'weekly': give hourly, daily or a cron expression" in capsys.readouterr().err
    assert main(["watch", "add", url, "--notify", f"nope://{TOKEN}"]) == 2
    err = capsys.readouterr().err
    assert "--notify nope://…: not a channel URL" in " ".join(err.split()) and TOKEN not in err
    assert main(["watch", "list", "--json"]) == 0 and json.loads(capsys.readouterr().out) == []

    assert main(["watch", "add", url, "--name", "w", "--digest", "0 8 * * 1-5", "--email", "a@example.org",
                 "--notify", f"slack://{TOKEN}/C123", "--notify", "https://hooks.example.org/abc",
                 "--json"]) == 0
    watch = json.loads(capsys.readouterr().out)
    assert (watch["digest"], watch["email"]) == ("0 8 * * 1-5", "a@example.org")
    assert [n.split(" (#")[0] for n in watch["notify"]] == ["slack://x...t/…", "https://hooks.example.org/…"]
    assert main(["watch", "show", "w"]) == 0
    assert TOKEN not in capsys.readouterr().out
