"""Bad input: a clear message naming what and where, exit code 2, and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "'file:' URLs are not allowed"),
        ("javascript:alert(1)", "'javascript:' URLs are not allowed"),
        ("data:text/html,hi", "'data:' URLs are not allowed"),
        ("ftp://example.org/", "'ftp:' URLs are not allowed"),
        ("example.org/page", "'example.org/page' has no scheme: give the whole URL, e.g. "
                             "https://example.org/page"),
        ("localhost:8080/page", "'localhost:8080/page' has no scheme"),
        ("http:///nohost", "no host name"),
        ("https://ann:s3cret@example.org/", "https://example.org/: credentials in the URL"),
    ],
)
def test_capture_refuses_bad_urls_before_any_browser(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    # A browser path that cannot exist: reaching the browser would fail differently.
    monkeypatch.setenv("SCRAPER_BROWSER", "/nonexistent/chromium")
    code, out, err = run(capsys, "capture", url)
    assert code == 2
    assert message in err
    assert out == ""
    assert "s3cret" not in err
    code, out, err = run(capsys, "capture", url, "--json")  # the same error, as JSON on stderr
    assert (code, out) == (2, "")
    error = json.loads(err)
    assert message in error["error"] and error["exit"] == 2 and "s3cret" not in err


def test_unknown_profile_is_bad_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRAPER_BROWSER", "/nonexistent/chromium")
    code, _, err = run(capsys, "capture", "http://127.0.0.1:9/", "--profile", "nope")
    assert code == 2
    assert "no profile named 'nope'" in err and "wordpress" in err


def test_broken_profile_folder_names_file_and_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "site.yaml").write_text("name: site\narticle:\n  title: 'h1[['\n")
    monkeypatch.setenv("SCRAPER_PROFILES", str(tmp_path))
    code, _, err = run(capsys, "profile", "list")
    assert code == 2
    assert "site.yaml:3: article.title: invalid CSS selector" in err


def test_profile_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = tmp_path / "mysite.yaml"
    good.write_text("name: mysite\nextends: wordpress\nmatch:\n  urls: ['*://example.org/*']\n")
    assert run(capsys, "profile", "check", str(good))[0] == 0
    bad = tmp_path / "other.yaml"
    bad.write_text("name: other\ncomments:\n  itme: li\n")
    code, _, err = run(capsys, "profile", "check", str(bad))
    assert code == 2
    assert "other.yaml:3: comments.itme: unknown key" in err
    assert "comments.item: Field required" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--every", "5 minutes"], "--every '5 minutes': give a number and a unit"),
        (["--every", "1s"], "the shortest interval is 5s"),
        (["--cron", "0 25 * * *"], "--cron '0 25 * * *'"),
        (["--cron", "hourly"], "give five fields"),
        (["--every", "1h", "--cron", "0 * * * *"], "give --every or --cron, not both"),
        (["--email", "not-an-address"], "--email 'not-an-address'"),
        (["--notify-on", "comment_addded"], "comment_addded"),
        (["--ignore", "div[["], "--ignore: invalid CSS selector"),
        (["--normalise", "(unclosed"], "--normalise: invalid regex"),
        (["--profile", "nope"], "--profile 'nope': no such profile"),
        (["--profile", "./nope.yaml"], "nope.yaml: no such profile file"),
        (["--confirm", "0"], "--confirm 0"),
        (["--header", "no colon"], "--header: 'no colon': give 'NAME: VALUE'"),
        (["--action", "{fly: away}"], "--action: an action is one of: scroll, click, wait_for, fill"),
        (["--action", "[not, a, mapping]"], "--action: '[not, a, mapping]': give a step as a mapping"),
        (["--viewport", "big"], "--viewport 'big': give WIDTHxHEIGHT"),
        (["--proxy", "ftp://x"], "--proxy 'ftp://x': give a proxy URL"),
    ],
)
def test_watch_add_refuses_bad_input_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, "watch", "add", "http://127.0.0.1:9/a", *args)
    assert code == 2
    assert message in err
    code, out, _ = run(capsys, "watch", "list", "--json")
    assert code == 0 and out.strip() == "[]"


def test_watch_lifecycle(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "watch", "add", "https://blog.example/post/1", "--every", "15m",
                       "--name", "post", "--notify-on", "comment_added", "--json")
    assert code == 0 and '"name": "post"' in out and '"spec": "15m"' in out
    code, _, err = run(capsys, "watch", "add", "https://blog.example/post/2", "--name", "post")
    assert code == 2 and "post" in err
    assert run(capsys, "watch", "pause", "post", "--json")[1].count('"paused": true') == 1
    assert run(capsys, "watch", "resume", "1", "--json")[1].count('"paused": false') == 1
    code, out, _ = run(capsys, "watch", "show", "post", "--json")
    assert '"notify_on": [\n    "comment_added"\n  ]' in out
    assert run(capsys, "watch", "remove", "post", "--yes")[0] == 0
    code, _, err = run(capsys, "watch", "show", "post")
    assert code == 2 and "no watch 'post'" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "capture")[0] == 2
    assert run(capsys, "capture", "http://x.example/", "--no-such-option")[0] == 2
    assert run(capsys, "no-such-command")[0] == 2


def test_history_of_unknown_watch(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "history", "42")
    assert code == 2 and "no watch '42'" in err


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SCRAPER_DEADLINE", "soon", "SCRAPER_DEADLINE='soon': give seconds"),
        ("SCRAPER_DEADLINE", "0", "SCRAPER_DEADLINE='0'"),
        ("SCRAPER_BROWSER_ARGS", '--flag="unclosed', "SCRAPER_BROWSER_ARGS="),
    ],
)
def test_bad_setting_is_bad_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
    message: str,
) -> None:
    monkeypatch.setenv(variable, value)
    code, _, err = run(capsys, "capture", "http://127.0.0.1:9/")
    assert code == 2 and message in err
