"""`scraper watch add`, `check`, `history` and `diff` as a person runs them (issue 3).

In-process (`scraper.cli.main`) with the output captured. Every `check` starts its own Chromium,
as the command does, so there are only a few of them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import inspect

from scraper import store
from scraper.cli import main
from scraper.demo.site import DemoSite

pytestmark = pytest.mark.browser

CHECK_KEYS = {"watch", "check", "changes", "pending_confirmation", "baseline", "evidence",
              "reports"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    """Run a --json command; its stdout must be exactly one JSON document."""
    code, out, err = run(capsys, *argv, "--json")
    assert out.strip(), f"exit {code}, nothing on stdout; stderr: {err}"
    return code, json.loads(out)


def assert_word_diff(out: str, old: str, new: str) -> None:
    """A word diff as printed: marked [-old-]{+new+} without colour, struck/green with it."""
    if ANSI.search(out):  # a colour terminal (pytest -s): the words are there, styled
        plain = ANSI.sub("", out)
        assert f"{old}{new}" in plain
    else:
        assert f"[-{old}-]{{+{new}+}}" in out


def test_watch_check_history_and_diff(capsys: pytest.CaptureFixture[str], demo_site: DemoSite) -> None:
    url = demo_site.article_url
    code, watch = run_json(capsys, "watch", "add", url, "--every", "15m")
    assert code == 0
    assert watch["schedule"] == {"kind": "interval", "spec": "15m"} and watch["url"] == url
    ref = str(watch["id"])

    # The first check is the baseline.
    code, first = run_json(capsys, "check", ref)
    assert code == 0
    assert set(first) == CHECK_KEYS
    assert first["watch"] == {"id": watch["id"], "name": watch["name"], "url": url}
    assert (first["baseline"], first["pending_confirmation"], first["changes"]) == (True, False, [])
    assert first["check"]["status"] == "ok" and first["check"]["error"] is None
    assert re.fullmatch(r"[0-9a-f]{64}", first["check"]["hash"])

    # Text mode: what the page says is printed as written, rich markup included.
    demo_site.add_comment("Ann", "Is it [red]x[/red] or [bold]y[/bold]?")
    code, out, _ = run(capsys, "check", ref)
    assert code == 0
    plain = ANSI.sub("", out)
    assert f"watch {watch['id']} ({watch['name']})" in plain and "1 new comment" in plain
    assert "+ new comment: Ann · 2016-10-19T15:41:00+00:00 · #4550" in plain
    assert "Is it [red]x[/red] or [bold]y[/bold]?" in plain

    # JSON after a change: the change is listed, and finding one is no error (exit 0).
    demo_site.edit_comment("4550", "Is it [red]x[/red] or [bold]z[/bold]?")
    code, third = run_json(capsys, "check", ref)
    assert code == 0
    edit = {
        "kind": "comment_edited", "comment_id": "4550", "author": "Ann", "field": "text",
        "old": "Is it [red]x[/red] or [bold]y[/bold]?", "new": "Is it [red]x[/red] or [bold]z[/bold]?",
        "diff": [["=", "Is it [red]x[/red] or "], ["-", "[bold]y[/bold]?"], ["+", "[bold]z[/bold]?"]],
        "notify": True,
    }
    assert (third["baseline"], third["changes"]) == (False, [edit])

    # History: newest first, with status, duration and the content hash.
    code, history = run_json(capsys, "history", ref)
    assert code == 0
    checks = history["checks"]
    assert [c["id"] for c in checks] == [third["check"]["id"], third["check"]["id"] - 1,
                                         first["check"]["id"]]
    second_id = checks[1]["id"]
    assert [c["status"] for c in checks] == ["ok", "ok", "ok"]
    assert [c["changes"] for c in checks] == [1, 1, 0]
    assert [c["hash"] for c in checks][::2] == [third["check"]["hash"], first["check"]["hash"]]
    assert len({c["hash"] for c in checks}) == 3
    assert all(isinstance(c["duration_ms"], int) and c["duration_ms"] > 0 for c in checks)
    assert [c["started_at"] for c in checks] == sorted((c["started_at"] for c in checks), reverse=True)

    # Diff between two stored checks: the same list as the check that found the change.
    code, diff = run_json(capsys, "diff", ref, "--from", str(second_id), "--to", str(third["check"]["id"]))
    assert code == 0
    assert (diff["from"], diff["to"], diff["changes"]) == (second_id, third["check"]["id"], [edit])
    code, diff = run_json(capsys, "diff", ref, "--from", str(first["check"]["id"]),
                          "--to", str(third["check"]["id"]))
    assert diff["changes"] == [{"kind": "comment_added", "notify": True, "comment": {
        "id": "4550", "parent_id": None, "author": "Ann", "published": "2016-10-19T15:41:00+00:00",
        "text": "Is it [red]x[/red] or [bold]z[/bold]?"}}]
    code, out, _ = run(capsys, "diff", ref, "--from", str(second_id), "--to", str(third["check"]["id"]))
    assert code == 0
    assert "1 comment edited" in out and "~ comment text edited: Ann · #4550" in ANSI.sub("", out)
    assert_word_diff(out, "[bold]y[/bold]?", "[bold]z[/bold]?")

    # `check URL` with a URL no watch has: a new manual watch, whose first check is its baseline.
    other = url + "?replytocom=4550"
    code, created = run_json(capsys, "check", other)
    assert code == 0
    assert created["watch"]["url"] == other and created["watch"]["id"] != watch["id"]
    # Its name comes from the host and path, like the first watch's: it gets a free variant.
    assert created["watch"]["name"] == watch["name"] + "-2"
    assert created["baseline"] is True and created["changes"] == []
    code, watches = run_json(capsys, "watch", "list")
    assert [(w["id"], w["url"], w["schedule"]) for w in watches] == [
        (watch["id"], url, {"kind": "interval", "spec": "15m"}), (created["watch"]["id"], other, None)]

    # A failed check: exit 1, the check is still printed and stored, as failed.
    demo_site.stop()
    code, failed = run_json(capsys, "check", ref)
    assert code == 1
    assert failed["check"]["status"] == "failed" and failed["changes"] == []
    assert "ERR_CONNECTION_REFUSED" in failed["check"]["error"]
    code, history = run_json(capsys, "history", ref)
    newest = history["checks"][0]
    assert (newest["id"], newest["status"], newest["hash"], newest["changes"]) == (
        failed["check"]["id"], "failed", None, 0)
    assert newest["error"] == failed["check"]["error"]
    assert len(history["checks"]) == 4


def test_a_configured_database_must_be_upgraded_first(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, demo_site: DemoSite,
    db_url: str,
) -> None:
    monkeypatch.setenv("SCRAPER_DATABASE_URL", db_url)
    url = demo_site.article_url

    code, out, err = run(capsys, "watch", "add", url, "--json")
    assert (code, out) == (2, "")
    assert "run `scraper db upgrade`" in err
    engine = store.make_engine(db_url)
    try:
        assert inspect(engine).get_table_names() == []  # refused, and nothing written
    finally:
        engine.dispose()

    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and store.head_revision() in out
    code, watch = run_json(capsys, "watch", "add", url, "--name", "lavrov")
    assert code == 0 and watch["name"] == "lavrov"

    code, first = run_json(capsys, "check", "lavrov")
    assert (code, first["baseline"], first["changes"]) == (0, True, [])
    demo_site.set_likes(4)
    code, second = run_json(capsys, "check", "lavrov")
    likes = {"kind": "article_changed", "field": "likes", "old": 3, "new": 4, "notify": True}
    assert (code, second["baseline"], second["changes"]) == (0, False, [likes])

    code, history = run_json(capsys, "history", "lavrov")
    assert [(c["id"], c["status"], c["hash"], c["changes"]) for c in history["checks"]] == [
        (second["check"]["id"], "ok", second["check"]["hash"], 1),
        (first["check"]["id"], "ok", first["check"]["hash"], 0),
    ]
    code, diff = run_json(capsys, "diff", "lavrov")  # default: the latest check and the one before
    assert (code, diff["from"], diff["to"], diff["changes"]) == (
        0, first["check"]["id"], second["check"]["id"], [likes])
