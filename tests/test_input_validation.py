"""Every bad value is refused up front: exit 2, a message naming the option, and nothing written
(not even an empty database)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scraper.cli import main
from scraper.profiles.regexes import RegexTimeout, check_regex, compile_user, sub


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def home() -> Path:
    return Path(os.environ["SCRAPER_HOME"])


@pytest.fixture(autouse=True)
def _no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    # Reaching the browser would fail differently (and slowly): validation must come first.
    monkeypatch.setenv("SCRAPER_BROWSER", "/nonexistent/chromium")


URL = "http://127.0.0.1:9/a"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["capture", URL, "--deadline", "inf"], "--deadline inf: give seconds"),
        (["capture", URL, "--deadline", "nan"], "--deadline nan"),
        (["capture", URL, "--deadline", "1e12"], "at most 600"),
        (["capture", URL, "--deadline", "100000"], "at most 600"),
        (["capture", URL, "--deadline", "0"], "more than 0"),
        (["profile", "test", URL, "--deadline", "1e12"], "at most 600"),
        (["capture", "http://127.0.0.1:99999/"], "the port must be a number from 1 to 65535"),
        (["capture", "http://127.0.0.1:0/"], "the port must be"),
        (["watch", "add", "http://127.0.0.1:99999/"], "the port must be"),
        (["check", "http://127.0.0.1:70000/x"], "the port must be"),
        (["watch", "add", URL, "--every", "99999999999d"], "the longest interval is 366d"),
        (["watch", "add", URL, "--every", "367d"], "the longest interval is 366d"),
        (["watch", "add", URL, "--confirm", "99999999999999999999"], "--confirm 99999999999999999999"),
        (["watch", "add", URL, "--confirm", "1001"], "from 1 to 1000"),
        (["watch", "add", URL, "--normalise", "(a+)+$"], "nests a repeat inside an unbounded"),
        (["watch", "add", URL, "--normalise", r"(\w*\s?)*=>x"], "possessive"),
        (["history", "7"], "no watch '7'"),
        (["watch", "show", "nope"], "no watch 'nope'"),
        (["watch", "rebase", "3"], "no watch '3'"),
        (["check", "nope"], "no watch 'nope'"),
        (["diff", "nope"], "no watch 'nope'"),
    ],
)
def test_bad_value_exit_2_and_no_database(
    capsys: pytest.CaptureFixture[str], home: Path, argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2, err
    assert message in err
    assert "Traceback" not in err and out == ""
    assert not (home / "scraper.db").exists(), "a rejected command created the database"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SCRAPER_DEADLINE", "inf"), ("SCRAPER_DB_BUSY_TIMEOUT", "-1"),
     ("SCRAPER_FAILING_AFTER", "2.5"), ("SCRAPER_BLOCK_PRIVATE", "maybe")],
)
def test_bad_settings_exit_2_and_no_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path,
    variable: str, value: str,
) -> None:
    monkeypatch.setenv(variable, value)
    code, _, err = run(capsys, "watch", "add", URL)
    assert code == 2 and variable in err
    assert not (home / "scraper.db").exists()


def test_output_refuses_folders_fifos_devices_and_dangling_links(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    to_dir = tmp_path / "to-dir"
    to_dir.symlink_to(tmp_path)
    for target, message in [(tmp_path, "a folder"), (fifo, "not a regular file"),
                            (Path("/dev/null"), "not a regular file"),
                            (dangling, "a symlink to nothing"), (to_dir, "a folder")]:
        code, _, err = run(capsys, "capture", URL, "--output", str(target))
        assert code == 2 and message in err, (target, err)
    assert fifo.is_fifo() and dangling.is_symlink() and to_dir.is_symlink()  # left as they were
    assert not (home / "scraper.db").exists()


def test_user_regexes_run_with_a_timeout() -> None:
    # A shape the up-front check does not catch (alternation overlap) still cannot hang a check.
    pattern = "^(a|a)*$"
    assert check_regex(pattern) == pattern
    with pytest.raises(RegexTimeout, match="catastrophic backtracking"):
        sub(compile_user(pattern), "", "a" * 64 + "b")


def test_good_regexes_pass_the_check() -> None:
    for pattern in [r"\d+ (minutes|hours) ago", r"(\d+)$", r"(?:\d+,)*+", r"(?>a+)+", r"[a-z]+\s+"]:
        assert check_regex(pattern) == pattern
