"""Every bad value is refused up front: exit 2, a message naming the option, and nothing written
(not even an empty database)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scraper.cli import main
from scraper.profiles import regexes
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


def test_user_regexes_run_with_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    # A shape the up-front check does not catch (alternation overlap) still cannot hang a check.
    # It would run for ages, so any bound proves it is cut: a tenth of the real one, named in the error.
    monkeypatch.setattr(regexes, "TIMEOUT", regexes.TIMEOUT / 10)
    pattern = "^(a|a)*$"
    assert check_regex(pattern) == pattern
    bound = rf"longer than {regexes.TIMEOUT:g}s on one value \(catastrophic backtracking\)"
    with pytest.raises(RegexTimeout, match=bound):
        sub(compile_user(pattern), "", "a" * 64 + "b")


def test_good_regexes_pass_the_check() -> None:
    for pattern in [r"\d+ (minutes|hours) ago", r"(\d+)$", r"(?:\d+,)*+", r"(?>a+)+", r"[a-z]+\s+"]:
        assert check_regex(pattern) == pattern


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["capture", "http://[::1:bad"], "'http://[::1:bad': not a valid URL (Invalid IPv6 URL)"),
        (["watch", "add", "http://[::1:bad"], "not a valid URL (Invalid IPv6 URL)"),
        (["check", "http://[::1:bad"], "not a valid URL"),
        (["watch", "add", URL, "--cron", "* * 31 2 *"], "this schedule never fires"),
        (["watch", "add", URL, "--cron", "0 0 31 4 *"], "this schedule never fires"),
        (["watch", "add", URL, "--digest", "0 0 30 2 *"], "this schedule never fires"),
        (["report", "preview", "1"], "no watch '1'"),
        (["report", "preview", "lavrov"], "no watch 'lavrov'"),
        (["outbox", "retry", "3"], "no report 3"),
    ],
)
def test_bad_input_of_round_three_exit_2_and_no_database(
    capsys: pytest.CaptureFixture[str], home: Path, argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, ""), err
    assert message in err and "unexpected" not in err and "Traceback" not in err
    assert not home.exists() or not (home / "scraper.db").exists(), "a rejected command wrote the db"


@pytest.mark.parametrize("url", ["garbage://", "mysql://u:s3cret@h/db", "postgresql://u:s3cret@[::1"])
def test_a_database_url_scraper_cannot_open_exits_2_naming_the_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("SCRAPER_DATABASE_URL", url)
    code, _, err = run(capsys, "watch", "list")
    assert code == 2, err
    assert "SCRAPER_DATABASE_URL is not a database URL scraper can open" in err
    assert "s3cret" not in err and "unexpected" not in err


@pytest.mark.parametrize("argv", [["report", "preview", "1", "--html"],
                                  ["profile", "suggest", URL, "--output"]])
def test_every_file_the_cli_writes_refuses_fifos_devices_and_links_to_them(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path, argv: list[str]
) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    to_device = tmp_path / "full.yaml"
    to_device.symlink_to("/dev/null")
    for target, message in [(fifo, "not a regular file"), (to_device, "not a regular file"),
                            (Path("/dev/null"), "not a regular file")]:
        code, _, err = run(capsys, *argv, str(target))
        if argv[0] == "profile" and target == Path("/dev/null"):
            assert code == 2 and "a profile file is NAME.yaml" in err  # its own rule, first
            continue
        assert code == 2 and message in err, (target, err)
    assert fifo.is_fifo() and to_device.is_symlink()  # left as they were
    assert Path("/dev/null").is_char_device()
    assert not (home / "scraper.db").exists()


def test_write_atomic_checks_the_rule_again_when_it_writes(tmp_path: Path) -> None:
    from scraper.base.errors import InputError
    from scraper.cli.output import write_atomic

    target = tmp_path / "report.html"
    os.mkfifo(target)  # planted after the command's first check
    with pytest.raises(InputError, match=r"--html .*not a regular file"):
        write_atomic(target, "<p>x</p>", "--html")
    assert target.is_fifo()
    real = tmp_path / "real.html"
    real.write_text("old")
    link = tmp_path / "latest.html"
    link.symlink_to(real)
    write_atomic(link, "<p>new</p>", "--html")
    assert link.is_symlink() and real.read_text() == "<p>new</p>"
