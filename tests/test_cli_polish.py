"""Polish from issue 26, through the real CLI: help without source line breaks, `-V`, an option
given twice, a cron error naming its field, `run --once` with nothing due, `watch import`."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.cli import run, run_json
from tests.processes import run_ok
from tests.terminal import SCRAPER


def test_help_joins_the_docstrings_lines() -> None:
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
    shown = run_ok([SCRAPER, "--help"], env=env).stdout
    # `check`'s docstring breaks after "since the last"; the listing must not.
    assert re.search(r"print what changed since the last good one", shown), shown
    edit = run_ok([SCRAPER, "watch", "--help"], env=env).stdout
    assert "a new URL or profile starts a new baseline" in edit


def test_version_has_a_short_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-V")
    assert code == 0 and out.startswith("scraper ")


def test_an_option_given_twice_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "watch", "add", "https://example.org/a", "--every", "15m", "--every", "1h")
    assert code == 2 and "--every: given 2 times (15m, 1h): give it once" in err
    assert not (Path(os.environ["SCRAPER_HOME"]) / "scraper.db").exists()  # nothing written


@pytest.mark.parametrize(("cron", "said"), [
    ("0 25 * * *", "field 2 (hour) '25': the last value (25) is higher than the maximum value (23)"),
    ("61 * * * *", "field 1 (minute) '61'"),
    ("0 0 32 * *", "field 3 (day of month) '32'"),
    ("0 0 * 13 *", "field 4 (month) '13'"),
])
def test_a_cron_error_names_its_field(capsys: pytest.CaptureFixture[str], cron: str, said: str) -> None:
    code, _, err = run(capsys, "watch", "add", "https://example.org/a", "--cron", cron)
    assert code == 2 and said in " ".join(err.split())


def test_run_once_says_when_nothing_is_due(capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, "watch", "add", "https://example.org/a", "--paused", "--every", "1h")
    code, _, err = run(capsys, "run", "--once")
    assert code == 0 and "nothing due" in err


def test_watch_import_adds_each_url_with_the_same_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("# the desk's list\nhttps://example.org/2026/one-story/\n\n"
                    "https://example.org/2026/another-story/\n")
    done = run_json(capsys, "watch", "import", str(urls), "--every", "1h", "--tag", "desk")
    assert [w["name"] for w in done["added"]] == ["one-story", "another-story"]
    assert all(w["tags"] == ["desk"] and w["schedule"]["spec"] == "1h" for w in done["added"])
    again = run_json(capsys, "watch", "import", str(urls), "--every", "1h")
    assert again["added"] == [] and len(again["skipped"]) == 2  # importing twice adds nothing

    bad = tmp_path / "bad.txt"
    bad.write_text("https://example.org/three\nftp://example.org/x\n")
    code, _, err = run(capsys, "watch", "import", str(bad))
    assert code == 2 and f"(at {bad}:2)" in err
    code, _, err = run(capsys, "watch", "import", str(bad), "--name", "x")
    assert code == 2 and "one name cannot be given to several watches" in err
    listed = json.loads(run(capsys, "watch", "list", "--json")[1])
    assert len(listed) == 2  # nothing of the bad list was added
    assert run(capsys, "watch", "import", str(tmp_path / "missing.txt"))[0] == 2
