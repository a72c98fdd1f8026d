"""`scraper capture` and `scraper profile` in-process, as a person or a program sees them.

Each command starts its own browser (the CLI's path), so these stay few; the record itself is
checked in depth in tests/test_capture.py.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from scraper.cli import main
from scraper.demo.site import DemoSite
from tests.sites import FETCHED_AT, failed_for_its_deadline, seed_record, use_test_profiles

ARTICLE_FIELDS = ("title", "author", "published", "text", "tags", "likes")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def fields_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["field"]: f for f in report["fields"]}


@pytest.mark.browser
def test_capture_json_is_exactly_the_record(
    capsys: pytest.CaptureFixture[str], demo_site: DemoSite, tmp_path: Path
) -> None:
    output = tmp_path / "out" / "record.json"
    code, out, err = run(capsys, "capture", demo_site.article_url, "--json", "--output", str(output))
    assert (code, err) == (0, "")
    record = json.loads(out)  # the whole of stdout is one JSON document
    assert FETCHED_AT.match(record["fetched_at"])
    assert record == seed_record(demo_site.article_url, record["fetched_at"])
    assert json.loads(output.read_text(encoding="utf-8")) == record


@pytest.mark.browser
def test_capture_summary_is_readable_and_page_text_is_literal(
    capsys: pytest.CaptureFixture[str], demo_site: DemoSite
) -> None:
    code, out, _ = run(capsys, "capture", demo_site.article_url)
    assert code == 0
    assert "Russia seeks ‘honest’ cooperation in Syria: Lavrov" in out
    assert "1 comment\n" in out and "daveyone1" in out and "Reblogged this on World Peace Forum." in out
    # Text from the page is printed as it is, never read as rich markup.
    demo_site.add_comment("[bold red]x[/]", "[link=http://evil.example]click[/link] :smile:")
    code, out, _ = run(capsys, "capture", demo_site.article_url)
    assert code == 0
    assert "2 comments" in out
    assert "[bold red]x[/]" in out and "[link=http://evil.example]click[/link] :smile:" in out


@pytest.mark.browser
def test_http_error_exits_1_naming_url_and_status(
    capsys: pytest.CaptureFixture[str], demo_site: DemoSite
) -> None:
    url = demo_site.base_url + "/no/such/post/"
    code, out, err = run(capsys, "capture", url)
    assert (code, out) == (1, "")
    assert err.startswith("error: ") and url in err and "HTTP 404" in err
    # With --json the error is JSON on stderr, naming the URL at fault.
    code, out, err = run(capsys, "capture", url, "--json")
    assert (code, out) == (1, "")
    assert json.loads(err) == {"error": f"cannot load {url}: the server answered HTTP 404 Not Found",
                               "where": url, "exit": 1}


@pytest.mark.browser
def test_connection_refused_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # bound, never listening: connecting is refused
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/post/"
        code, out, err = run(capsys, "capture", url)
    assert (code, out) == (1, "")
    # In words, with the URL; not the Playwright call.
    assert f"cannot load {url}: the server refused the connection" in err
    assert "ERR_CONNECTION_REFUSED" in err and "Page.goto" not in err and "net::" not in err
    code, _, err = run(capsys, "capture", "http://no-such-host.invalid/")
    assert code == 1 and "the host name does not resolve" in err


@pytest.mark.browser
def test_a_page_never_ready_fails_within_the_deadline(
    capsys: pytest.CaptureFixture[str], demo_site: DemoSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_test_profiles(monkeypatch)
    deadline = 3
    started = time.monotonic()
    code, out, err = run(capsys, "capture", demo_site.article_url, "--profile", "demo-never-ready",
                         "--deadline", str(deadline))
    elapsed = time.monotonic() - started
    assert (code, out) == (1, "")
    assert failed_for_its_deadline(err, deadline), err
    # Only a hang fails this ceiling (a browser start included), never a busy machine.
    assert elapsed < 10 * deadline, f"{elapsed:.1f}s for a {deadline}s deadline"


def test_profile_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "profile", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    names = [r["name"] for r in rows]
    assert {"wordpress", "drupal", "isso", "generic"} <= set(names)
    priorities = [r["priority"] for r in rows]
    assert priorities == sorted(priorities, reverse=True) and names[-1] == "generic"


@pytest.mark.browser
def test_profile_test_reports_every_field(
    capsys: pytest.CaptureFixture[str], demo_site: DemoSite
) -> None:
    code, out, _ = run(capsys, "profile", "test", demo_site.article_url, "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["url"], report["profile"]) == (demo_site.article_url, "wordpress")
    fields = fields_of(report)
    assert [t["matches"] for t in fields["comments.item"]["tried"]] == [1]
    for name in ARTICLE_FIELDS:
        assert fields[f"article.{name}"]["ok"], fields[f"article.{name}"]
    assert fields["article.likes"]["values"] == ["3"]
    assert fields["comments.author"]["values"] == ["daveyone1"]
    # What the record took from where, and whether it may be partial.
    assert set(report["sources"].values()) == {"profile"} and report["sources"]["comments"] == "profile"
    assert (report["warnings"], report["comments"]) == ([], 1)


@pytest.mark.browser
def test_profile_test_points_at_the_wrong_selector(
    capsys: pytest.CaptureFixture[str], demo_site: DemoSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_test_profiles(monkeypatch)
    code, out, _ = run(capsys, "profile", "test", demo_site.article_url, "--profile",
                       "demo-bad-title", "--json")
    assert code == 0
    fields = fields_of(json.loads(out))
    title = fields["article.title"]
    assert title["tried"] == [{"selector": "h1.nope", "matches": 0}]
    assert (title["ok"], title["values"]) == (False, [])
    assert all(fields[f"article.{name}"]["ok"] for name in ARTICLE_FIELDS if name != "title")
