"""Report settings and per-watch report options: checked up front (exit 2, nothing written), and
secrets (the SMTP password, tokens in channel URLs) never shown."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from scraper.cli import main
from scraper.config.environment import Environment
from scraper.config.settings import SettingsError, load_settings

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
    shown = repr(settings) + str(settings) + repr(Environment())  # the variables, as read
    assert "hunter2" not in shown and TOKEN not in shown


def test_every_bad_variable_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPER_DEADLINE", "soon")
    monkeypatch.setenv("SCRAPER_SMTP_PORT", "0")
    monkeypatch.setenv("SCRAPER_ADMIN_PASSWORD", "short-1")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).splitlines() == [
        "SCRAPER_DEADLINE='soon': give seconds, more than 0 and at most 600",
        "SCRAPER_SMTP_PORT='0': give a port number (1-65535)",
        # never its value
        "SCRAPER_ADMIN_PASSWORD: too short; give at least 8 characters (or a hash from `scraper passwd`)",
    ]
    assert raised.value.where == "SCRAPER_DEADLINE"
    assert {"SCRAPER_DEADLINE", "SCRAPER_SMTP_PORT", "SCRAPER_HOME"} <= set(raised.value.variables)


def test_watch_report_options(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://example.org/post"
    assert main(["watch", "add", url, "--digest", "weekly"]) == 2
    assert "--digest 'weekly': give hourly, daily or a cron expression" in capsys.readouterr().err
    assert main(["watch", "add", url, "--notify", f"nope://{TOKEN}"]) == 2
    err = capsys.readouterr().err
    assert "--notify: nope://…: not a channel URL" in " ".join(err.split()) and TOKEN not in err
    # A token written out would be stored: refused, without echoing it, whatever else is right.
    for channel in (f"slack://{TOKEN}/C123", f"https://hooks.example.org/hook?token={TOKEN}",
                    f"json://me:{TOKEN}@hooks.example.org"):
        assert main(["watch", "add", url, "--notify", "mailto:ops@example.org", "--notify", channel]) == 2
        err = " ".join(capsys.readouterr().err.split())
        assert "--notify: " in err and "give that part, or the whole URL, as ${ENV:NAME}" in err
        assert TOKEN not in err
    assert main(["watch", "list", "--json"]) == 0 and json.loads(capsys.readouterr().out) == []
    assert not (_home() / "scraper.db").exists()  # refused: nothing written; listing creates none

    monkeypatch.setenv("SLACK_TOKEN", TOKEN)  # set or not, a reference is stored as written
    assert main(["watch", "add", url, "--name", "w", "--digest", "0 8 * * 1-5", "--email", "a@example.org",
                 "--notify", "slack://${ENV:SLACK_TOKEN}/C123", "--notify", "${ENV:HOOK_URL}",
                 "--notify", "https://hooks.example.org/", "--json"]) == 0
    watch = json.loads(capsys.readouterr().out)
    assert (watch["digest"], watch["email"]) == ("0 8 * * 1-5", "a@example.org")
    assert [n.split(" (#")[0] for n in watch["notify"]] == [
        "slack://${ENV:SLACK_TOKEN}/…", "${ENV:HOOK_URL}", "https://hooks.example.org/…"]
    assert main(["watch", "show", "w"]) == 0
    shown = capsys.readouterr().out
    assert "slack://${ENV:SLACK_TOKEN}/… (#" in shown and "0 8 * * 1-5 (UTC)" in shown
    assert TOKEN not in shown and "C123" not in shown  # the path stays masked, as issue 7 shows it


def test_report_options_edit_clear_export_and_apply(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`--digest` and `--notify` are watch options like any other: edit, --clear, export, apply."""
    monkeypatch.setenv("SLACK_TOKEN", TOKEN)
    assert main(["watch", "add", "https://example.org/a", "--name", "a", "--notify",
                 "ntfy://ntfy.example.org/${ENV:TOPIC}"]) == 0
    assert main(["watch", "edit", "a", "--digest", "daily", "--notify", "slack://${ENV:SLACK_TOKEN}/C123",
                 "--notify", "mailto:ops@example.org"]) == 0
    assert "changed: digest, notify" in capsys.readouterr().err
    assert main(["watch", "edit", "a", "--notify", f"slack://{TOKEN}/C123"]) == 2
    assert TOKEN not in capsys.readouterr().err

    assert main(["watch", "export"]) == 0
    text = capsys.readouterr().out
    assert "slack://${ENV:SLACK_TOKEN}/C123" in text and "digest: daily" in text  # as stored
    assert TOKEN not in text  # the variable is never read for an export
    exported = tmp_path / "export.yaml"
    exported.write_text(text)
    assert main(["watch", "list", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)

    monkeypatch.setenv("SCRAPER_HOME", str(tmp_path / "fresh"))
    assert main(["watch", "apply", str(exported)]) == 0
    capsys.readouterr()
    assert main(["watch", "list", "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    same = ("digest", "notify", "email", "name", "url")
    assert [{k: w[k] for k in same} for w in after] == [{k: w[k] for k in same} for w in before]
    assert main(["watch", "export"]) == 0 and capsys.readouterr().out == text
    assert TOKEN.encode() not in (tmp_path / "fresh" / "scraper.db").read_bytes()

    assert main(["watch", "edit", "a", "--clear", "notify", "--clear", "digest", "--json"]) == 0
    cleared = json.loads(capsys.readouterr().out)
    assert (cleared["notify"], cleared["digest"]) == ([], None)


def test_a_written_out_token_in_a_watch_file_is_refused_at_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("watches:\n"
                    "  - name: a\n"
                    "    url: https://example.org/a\n"
                    "    notify:\n"
                    "      - mailto:ops@example.org\n"
                    f"      - slack://{TOKEN}/C123\n")
    assert main(["watch", "apply", str(path)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"{path}:6: watches.0.notify.1: slack://x...t/…: this channel URL holds credentials" in err
    assert "as ${ENV:NAME}" in err
    assert TOKEN not in err
    assert not _home().exists()  # nothing written, not even the database


def test_a_token_stored_before_the_rule_is_never_printed(
    capsys: pytest.CaptureFixture[str], local_engine: Any
) -> None:
    """A database from before tokens had to be references: views mask the URL, export refuses to
    print it (saying how to fix it), and once fixed the watch exports again."""
    from sqlmodel import Session

    from scraper import store

    with Session(local_engine) as session:
        store.add_watch(session, name="old", url="https://example.org/old",
                        notify=[f"slack://{TOKEN}/C123"])
        session.commit()
    assert main(["watch", "show", "old"]) == 0 and TOKEN not in capsys.readouterr().out
    assert main(["watch", "export"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and TOKEN not in captured.err
    assert "watch 1 (old): --notify slack://x...t/… (#" in captured.err and "--clear notify" in captured.err
    assert main(["watch", "edit", "old", "--every", "1h"]) == 2  # every option is checked again
    assert TOKEN not in capsys.readouterr().err
    assert main(["watch", "edit", "old", "--every", "1h", "--notify", "slack://${ENV:SLACK_TOKEN}/C123"]) == 0
    capsys.readouterr()
    assert main(["watch", "export"]) == 0
    assert "slack://${ENV:SLACK_TOKEN}/C123" in capsys.readouterr().out
