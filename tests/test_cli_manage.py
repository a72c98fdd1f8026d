"""Managing watches through the real CLI (issue 12): edit, tags, duplicates, remove, readable views,
secrets kept out. No browser: nothing here renders a page."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.cli import run, run_json
from tests.terminal import in_terminal

URL = "https://blog.example/2016/10/19/post/"


def unwrapped(text: str) -> str:
    """`text` without any whitespace: the same whether rich wrapped it or not."""
    return re.sub(r"\s+", "", text)


def test_add_and_show_are_readable_and_json_has_the_same_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "watch", "add", URL, "--every", "15m", "--name", "post",
                       "--notify-on", "comment_added", "--normalise", r"\d+ ago=>",
                       "--profile", "wordpress", "--tag", "news")
    assert code == 0
    assert "{" not in out and "[" not in out  # no Python reprs: {'kind': …}, [{'regex': …}]
    assert re.search(r"schedule\s+every 15m", out)
    assert re.search(r"normalise\s+\\d\+ ago => ''", out)
    assert re.search(r"reports\s+comment_added", out)
    assert re.search(r"last check\s+never", out) and re.search(r"next run\s+.* UTC \(now\)", out)

    data = run_json(capsys, "watch", "show", "post")
    assert data["schedule"] == {"kind": "interval", "spec": "15m"}
    assert data["normalise"] == [{"regex": r"\d+ ago", "replace": ""}]
    assert data["profile_source"]["from"] == "built-in"
    assert data["profile_source"]["file"].endswith("selectors/wordpress.yaml")
    # The profile's path is the clone's, of any length: the view folds it at the terminal's width,
    # so it is compared with the line breaks and the fold's indent taken out.
    shown = f"profile wordpress (built-in {data['profile_source']['file']})"
    assert unwrapped(shown) in unwrapped(out)
    assert data["tags"] == ["news"] and data["last_check"] is None and data["next_run"]


def test_edit_changes_any_option_and_a_new_url_starts_a_new_baseline(
    capsys: pytest.CaptureFixture[str], local_engine: Any
) -> None:
    from sqlmodel import Session

    from scraper.store import Watch

    run_json(capsys, "watch", "add", URL, "--every", "15m", "--name", "post", "--tag", "a")
    with Session(local_engine) as session:  # as if a check had made a baseline
        watch = session.get_one(Watch, 1)
        watch.pending_count, watch.pending_hash = 1, "x"
        session.add(watch)
        session.commit()

    code, _, err = run(capsys, "watch", "edit", "post", "--cron", "0 * * * *", "--tag", "b",
                         "--tag", "c", "--confirm", "2", "--user-agent", "Bot/1")
    assert code == 0, err
    assert "changed: confirm, fetch, schedule, schedule_kind, tags" in err
    data = run_json(capsys, "watch", "show", "1")
    assert data["schedule"] == {"kind": "cron", "spec": "0 * * * *"}  # --cron replaced --every
    assert (data["tags"], data["confirm"], data["fetch"]) == (["b", "c"], 2, {"user_agent": "Bot/1"})
    assert data["pending_count"] == 1  # same page, same profile: the confirmation state stays

    data = run_json(capsys, "watch", "edit", "1", "--clear", "tag", "--clear", "user_agent",
                    "--url", "https://blog.example/other/")
    assert (data["tags"], data["fetch"], data["url"]) == ([], {}, "https://blog.example/other/")
    assert data["pending_count"] == 0  # another page: a new baseline

    code, _, err = run(capsys, "watch", "edit", "1", "--every", "5 minutes", "--clear", "nope")
    assert code == 2 and "--clear 'nope': no such option" in err
    code, _, err = run(capsys, "watch", "edit", "1", "--every", "5 minutes")
    assert code == 2 and "--every '5 minutes': give a number and a unit" in err
    assert run_json(capsys, "watch", "show", "1")["schedule"]["spec"] == "0 * * * *"  # unchanged


def test_tags_select_watches_in_list_and_export(capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, "watch", "add", "https://a.example/1", "--tag", "news", "--tag", "syria")
    run_json(capsys, "watch", "add", "https://b.example/2", "--tag", "sport")
    run_json(capsys, "watch", "add", "https://c.example/3")
    names = [w["url"] for w in run_json(capsys, "watch", "list", "--tag", "news")]
    assert names == ["https://a.example/1"]
    names = [w["url"] for w in run_json(capsys, "watch", "list", "--tag", "sport", "--tag", "syria")]
    assert names == ["https://a.example/1", "https://b.example/2"]
    code, out, _ = run(capsys, "watch", "list")
    assert code == 0 and "syria" in out and "sport" in out
    assert [w["url"] for w in run_json(capsys, "watch", "export", "--tag", "sport")["watches"]] == [
        "https://b.example/2"]
    code, _, err = run(capsys, "watch", "add", "https://d.example/", "--tag", "two words")
    assert code == 2 and "--tag: 'two words': a tag is 1 to 64 characters" in err


def test_a_second_watch_on_the_same_page_needs_allow_duplicate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run_json(capsys, "watch", "add", URL, "--name", "first")
    same = "HTTPS://Blog.Example:443/2016/10/19/post/#comments"  # the same page, written otherwise
    code, out, err = run(capsys, "watch", "add", same)
    assert (code, out) == (2, "")
    assert "already watched by watch 1 (first); give --allow-duplicate" in err
    data = run_json(capsys, "watch", "add", same, "--allow-duplicate", "--name", "second")
    assert data["id"] == 2
    code, _, err = run(capsys, "watch", "edit", "second", "--url", "https://blog.example/x")
    assert code == 0
    code, _, err = run(capsys, "watch", "edit", "second", "--url", URL)
    assert code == 2 and "already watched by watch 1 (first)" in err
    # The domain's errors name its fields; the CLI says them as flags.
    code, _, err = run(capsys, "watch", "edit", "second", "--name", "first", "--json")
    error = json.loads(err)
    assert (code, error["where"]) == (2, "--name")
    assert error["error"] == "--name 'first': another watch has that name"
    code, _, err = run(capsys, "watch", "edit", "second", "--clear", "tags", "--tag", "x", "--json")
    assert json.loads(err) == {"error": "--clear tags: also given; give one or the other",
                               "where": "--clear", "exit": 2}


def test_remove_asks_refuses_without_a_terminal_and_yes_skips(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run_json(capsys, "watch", "add", URL, "--name", "post")
    code, out, err = run(capsys, "watch", "remove", "post")  # pytest's stdin is no terminal
    assert (code, out) == (2, "")
    assert "Remove watch 1 (post) with its 0 checks and 0 changes? Not asked: the input is not " \
           "a terminal. Give --yes to confirm." in err
    assert run_json(capsys, "watch", "list") != []
    code, err_json = run(capsys, "watch", "remove", "post", "--json")[0::2]
    assert code == 2 and json.loads(err_json)["where"] == "--yes"
    assert run_json(capsys, "watch", "remove", "post", "--yes") == {
        "removed": 1, "name": "post", "checks": 0, "changes": 0}
    assert run_json(capsys, "watch", "list") == []


def test_remove_asks_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_json(capsys, "watch", "add", URL, "--name", "post")
    env = {**os.environ, "TERM": "xterm"}
    prompt = b"remove watch 1 (post) with its 0 checks and 0 changes? [y/N]"
    code, shown = in_terminal(["watch", "remove", "post"], env, answer=(prompt, b"n\n"))
    assert code == 1 and "not removed" in shown, shown
    assert [w["name"] for w in run_json(capsys, "watch", "list")] == ["post"]
    code, shown = in_terminal(["watch", "remove", "post"], env, answer=(prompt, b"y\n"))
    assert code == 0 and "removed watch 1 (post) with 0 checks and 0 changes" in shown, shown
    assert run_json(capsys, "watch", "list") == []


def test_secrets_are_refused_written_out_and_shown_as_references(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, "watch", "add", URL, "--cookie", "session=s3cr3t-cookie",
                         "--header", "Authorization: Bearer s3cr3t-token",
                         "--proxy", "http://me:s3cr3t-pw@127.0.0.1:3128",
                         "--action", '{fill: "#password", value: s3cr3t-pass}')
    assert (code, out) == (2, "")
    for option in ("--cookie", "--header", "--proxy", "--action"):
        assert f"{option}" in err
    assert err.count("give it as ${ENV:NAME}") == 4
    assert "s3cr3t" not in err
    data = run_json(capsys, "watch", "add", URL, "--cookie", "session=${ENV:SESSION}",
                    "--header", "Authorization: Bearer ${ENV:TOKEN}", "--header", "X-Plain: 1",
                    "--proxy", "http://me:${ENV:PROXY_PW}@127.0.0.1:3128")
    assert data["fetch"] == {
        "headers": {"Authorization": "Bearer ${ENV:TOKEN}", "X-Plain": "1"},
        "cookies": {"session": "${ENV:SESSION}"},
        "proxy": "http://me:${ENV:PROXY_PW}@127.0.0.1:3128",
    }
    db = (tmp_path / "home" / "scraper.db").read_bytes()
    assert b"s3cr3t" not in db


def test_every_error_at_once_in_option_words(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "watch", "add", URL, "--every", "5 minutes", "--email", "nobody",
                         "--timezone", "Mars/Olympus", "--viewport", "9x9", "--locale", "en_GB",
                         "--notify-on", "comment_addded", "--confirm", "0", "--json")
    assert (code, out) == (2, "")
    error = json.loads(err)
    assert error["exit"] == 2 and error["where"] == "--every"
    lines = error["error"].splitlines()
    assert lines == [
        "--every '5 minutes': give a number and a unit, e.g. 30s, 15m, 2h or 1d",
        "--email 'nobody': not an e-mail address",
        f"--notify-on: unknown change kind 'comment_addded'; allowed: {', '.join(_kinds())}",
        "--confirm 0: give a number of checks from 1 to 1000",
        "--locale 'en_GB': not a locale such as en-GB or fr-FR",
        "--timezone 'Mars/Olympus': not a time zone such as Europe/Paris or UTC",
        "--viewport '9x9': give WIDTHxHEIGHT in pixels, each 200 to 10000, e.g. 1280x800",
    ]
    assert run_json(capsys, "watch", "list") == []


def _kinds() -> tuple[str, ...]:
    from scraper.model.changes import CHANGE_KINDS

    return CHANGE_KINDS
