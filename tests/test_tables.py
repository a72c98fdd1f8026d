"""Tables that fit (issue 26): `watch list`, `status`, `history`, `captures` and `outbox` at 80
columns through the real `scraper` (a process, COLUMNS=80, as a terminal of that width gives
it): no line wider, short relative times, URLs cut in the middle; `--wide` shows every column
whole. And the default watch name: the URL's last segment, at most 40 characters."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from scraper.config.settings import load_settings
from scraper.demo.site import DemoSite
from scraper.store import Capture, open_db
from tests.cli import run_json
from tests.terminal import SCRAPER

pytestmark = pytest.mark.browser
LONG = ("https://www.theguardian.com/world/2026/dec/05/"
        "russia-seeks-honest-cooperation-with-the-united-states-says-lavrov-in-a-long-interview")
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def scraper(*args: str, columns: int = 80) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    done = subprocess.run([SCRAPER, *args], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def test_the_tables_fit_80_columns_and_wide_shows_everything(
    capsys: pytest.CaptureFixture[str], demo_site: DemoSite
) -> None:
    watch = run_json(capsys, "watch", "add", demo_site.article_url + "?utm_source=a-very-long-tracking"
                     "-parameter-that-makes-this-address-far-too-wide", "--every", "15m", "--tag", "news",
                     "--email", "desk@example.org")
    assert run_json(capsys, "check", str(watch["id"]))["check"]["status"] == "ok"
    demo_site.add_comment("Ann", "A new comment.")
    assert run_json(capsys, "check", str(watch["id"]))["changes"]
    long = run_json(capsys, "watch", "add", LONG, "--cron", "0 6 * * 1-5", "--tag", "world")
    assert long["name"] == "russia-seeks-honest-cooperation-with"  # ≤ 40, cut at a word
    with Session(open_db(load_settings())) as session:
        session.add(Capture(url=LONG, final_url=LONG, captured_at=datetime.now(UTC),
                            path="/srv/evidence/" + "case-folder-" * 6 + "1", wacz="x.wacz",
                            package_hash="ab" * 32, datapackage_hash="sha256:" + "cd" * 32,
                            case_name="acme"))
        session.commit()

    for command in (["watch", "list"], ["status"], ["history", str(watch["id"])], ["captures"],
                    ["outbox"]):
        shown = scraper(*command)
        assert widest(shown) <= 80, f"{' '.join(command)} is {widest(shown)} wide:\n{shown}"
        assert not ISO.search(shown), f"{' '.join(command)} shows full timestamps:\n{shown}"
    listed = scraper("watch", "list")
    assert re.search(r"https://www\.the\S*…\S*interview ", listed), listed  # cut in the middle
    assert "russia-seeks-ho" in listed and "news" in listed
    assert re.search(r"\b(now|\d+[smhd] ago)\b", scraper("status"))

    wide = scraper("watch", "list", "--wide")
    assert LONG in wide and "news" in wide and "cron 0 6 * * 1-5" in wide and widest(wide) > 80
    assert "/srv/evidence/" + "case-folder-" * 6 + "1" in scraper("captures", "--wide")
    assert "acme" in scraper("captures", columns=120)


def test_default_names(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for url, name in (("https://example.org/2016/10/19/some-post/", "some-post"),
                      ("https://example.org/", "example.org"),
                      ("https://example.org/news/index.html", "news"),
                      ("https://example.org/p/12345", "example.org-12345"),
                      ("https://other.example/2016/some-post/", "some-post-2")):
        assert run_json(capsys, "watch", "add", url)["name"] == name
