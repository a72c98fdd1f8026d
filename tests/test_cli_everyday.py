"""Everyday use on the demo site through the real CLI (issue 12): your profiles beside the built-in
ones, a profile file a watch remembers, `watch list` after real checks, `check --tag`, `capture
--full` (and its pager) and `profile test`'s account of the load."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from scraper.demo.site import DemoSite
from tests.cli import run, run_json
from tests.sites import SEED_ARTICLE, use_test_profiles
from tests.terminal import in_terminal

pytestmark = pytest.mark.browser
MYBLOG = """\
name: myblog
extends: wordpress               # a built-in profile, from a folder of one's own
description: the demo blog, read my way
article:
  title: "h1.entry-title"
"""




def test_your_profiles_beside_the_built_in_ones_and_a_profile_file_a_watch_remembers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    demo_site: DemoSite,
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "myblog.yaml").write_text(MYBLOG)
    monkeypatch.setenv("SCRAPER_PROFILES", str(mine))  # only the user's folder is named
    listed = {p["name"]: p for p in run_json(capsys, "profile", "list")}
    assert {"wordpress", "drupal", "isso", "generic", "myblog"} <= set(listed)
    assert listed["wordpress"]["builtin"] and not listed["myblog"]["builtin"]
    assert listed["myblog"]["file"] == str(mine / "myblog.yaml")

    # A profile file anywhere, by path; it may extend the known ones.
    loose = tmp_path / "loose" / "reader.yaml"
    loose.parent.mkdir()
    loose.write_text(MYBLOG.replace("name: myblog", "name: reader").replace("myblog", "reader"))
    record = run_json(capsys, "capture", demo_site.article_url, "--profile", str(loose))
    assert record["profile"] == "reader" and record["article"] == SEED_ARTICLE

    watch = run_json(capsys, "watch", "add", demo_site.article_url, "--profile", str(loose))
    assert watch["profile"] == "reader" and watch["profile_file"] == str(loose)
    code, out, _ = run(capsys, "watch", "show", str(watch["id"]))
    assert re.search(r"profile\s+reader \(file\s+/", out)
    source = run_json(capsys, "watch", "show", str(watch["id"]))["profile_source"]
    assert source == {"name": "reader", "file": str(loose), "from": "file", "missing": False}
    first = run_json(capsys, "check", str(watch["id"]))
    assert first["check"]["status"] == "ok" and first["check"]["profile"] == "reader"

    # The file the watch reads is gone: `watch show` says so, and checks go on with the copy of
    # its text stored with the watch (as a scale-out worker without the file does).
    loose.unlink()
    code, out, _ = run(capsys, "watch", "show", str(watch["id"]))
    assert "MISSING" in out
    code, out, _ = run(capsys, "check", str(watch["id"]), "--json")
    assert code == 0 and json.loads(out)["check"]["profile"] == "reader"


def test_watch_list_after_real_checks_and_check_by_tag_and_by_url(
    capsys: pytest.CaptureFixture[str], demo_site: DemoSite
) -> None:
    url = demo_site.article_url
    run_json(capsys, "watch", "add", url, "--every", "15m", "--tag", "demo", "--name", "article")
    run_json(capsys, "watch", "add", demo_site.lazy_url, "--cron", "0 6 * * *", "--tag", "demo",
             "--name", "lazy")
    run_json(capsys, "watch", "add", demo_site.base_url + "/gone/", "--name", "gone", "--paused")

    results = run_json(capsys, "check", "--tag", "demo")
    assert [(r["watch"]["name"], r["baseline"]) for r in results] == [("article", True), ("lazy", True)]
    demo_site.add_comment("Ann", "A new comment.")
    # The watched page, written otherwise: checked through its watch, no new watch added.
    code, out, err = run(capsys, "check", url + "#comments")
    assert code == 0 and "checking watch 1 (article)" in err and "1 new comment" in out
    assert run(capsys, "check", "gone")[0] == 1  # a 404: a failed check

    rows = {w["name"]: w for w in run_json(capsys, "watch", "list")}
    assert len(rows) == 3
    article, lazy, gone = rows["article"], rows["lazy"], rows["gone"]
    assert article["last_check"]["status"] == "ok" and article["last_change"] is not None
    started = article["last_check"]["started_at"]
    assert _minutes(article["next_run"]) - _minutes(started) == pytest.approx(15, abs=1 / 60)
    assert lazy["last_change"] is None and lazy["next_run"].endswith("T06:00:00Z")
    assert gone["last_check"]["status"] == "failed" and "HTTP 404" in gone["last_check"]["error"]
    assert gone["next_run"] is None and gone["paused"]
    code, out, _ = run(capsys, "watch", "list", "--wide")  # every column (80 drops "changed")
    assert re.search(r"every 15m\s+now ok\s+now\s+in 14m", out), out
    assert re.search(r"gone .*paused", out.replace("\n", " ")) and "failed" in out


def _minutes(stamp: str) -> float:
    from datetime import datetime

    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").timestamp() / 60


def test_capture_shows_the_whole_article_with_full(
    capsys: pytest.CaptureFixture[str], demo_site: DemoSite
) -> None:
    paragraphs = SEED_ARTICLE["text"].split("\n\n")
    code, out, _ = run(capsys, "capture", demo_site.article_url)
    assert code == 0 and "… 9 more paragraphs (--full shows the whole article)" in out
    assert "devolved from a widespread" in paragraphs[-1] and "devolved" not in out
    code, out, _ = run(capsys, "capture", demo_site.article_url, "--full")
    assert code == 0 and "more paragraphs" not in out
    flat = " ".join(out.split())
    for paragraph in paragraphs:
        assert " ".join(paragraph.split()) in flat


def test_capture_full_pages_long_text_on_a_terminal(demo_site: DemoSite, tmp_path: Path) -> None:
    """Through a real terminal (a pty) and a stand-in pager that records what it was given."""
    seen = tmp_path / "paged.txt"
    pager = tmp_path / "pager.sh"
    pager.write_text(f"#!/bin/sh\ncat > {seen}\necho PAGER-DONE\n")
    pager.chmod(0o755)
    env = {**os.environ, "PAGER": str(pager), "LINES": "20", "COLUMNS": "100", "TERM": "xterm"}
    code, shown = in_terminal(["capture", demo_site.article_url, "--full"], env)
    assert code == 0 and "PAGER-DONE" in shown, shown
    paged = seen.read_text()
    assert "Russia seeks" in paged and "devolved from a widespread" in paged


def test_profile_test_tells_how_the_page_loaded(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, demo_site: DemoSite
) -> None:
    use_test_profiles(monkeypatch)
    report = run_json(capsys, "profile", "test", demo_site.lazy_url, "--profile", "demo-lazy")
    load = report["load"]
    assert load["ready"]["met"] and load["ready"]["condition"] == "network idle"
    assert load["clicks"] >= 2 and load["scrolls"] == 0
    step = load["steps"][0]
    assert (step["kind"], step["target"], step["ok"]) == ("click", "a.load-more-comments", True)
    assert step["outcome"] == f"clicked {step['count']} times; gone"

    # A ready selector that never comes, with required: false, costs its whole timeout: said.
    code, out, _ = run(capsys, "profile", "test", demo_site.article_url, "--profile",
                       "demo-ready-never-comes")
    assert code == 0
    flat = " ".join(out.split())
    assert "✘ network idle + #never-there did not come within 3.0s" in flat
    assert "every check now waits 3.0s for it" in flat
    # Long selectors are shown whole (wrapped), never cut at 80 columns.
    assert "…" not in out.split("field", 1)[1].split("value(s)", 1)[0]
