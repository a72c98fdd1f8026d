"""`scraper demo` (what `make demo` runs): capture, watch, change, report, all for real."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.cli import main
from scraper.demo.tour import EDITED_TEXT, NEW_COMMENT

pytestmark = pytest.mark.browser


def test_demo_reports_the_new_and_the_edited_comment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["demo", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    record = result["record"]
    assert record["profile"] == "wordpress"
    assert record["article"]["likes"] == 3 and len(record["article"]["tags"]) == 15
    assert [c["author"] for c in record["comments"]] == ["daveyone1"]
    assert result["baseline"]["baseline"] is True and result["baseline"]["changes"] == []
    assert result["check"]["check"]["status"] == "ok"
    assert result["check"]["changes"] == [
        {
            "kind": "comment_edited", "comment_id": "4521", "author": "daveyone1", "field": "text",
            "old": "Reblogged this on World Peace Forum.", "new": EDITED_TEXT,
            "diff": [["=", "Reblogged this on World Peace "], ["-", "Forum."],
                     ["+", "Forum and on Peace News."]],
            "notify": True,
        },
        {
            "kind": "comment_added",
            "comment": {"id": "4550", "parent_id": None, "author": NEW_COMMENT[0],
                        "published": "2016-10-19T15:41:00+00:00", "text": NEW_COMMENT[1]},
            "notify": True,
        },
    ]
    # The report went out the embedded default way: an .eml file in the demo's own outbox.
    email = Path(result["email"])
    assert email.parent == tmp_path / "home" / "demo" / "outbox" and email.suffix == ".eml"
    assert b"Subject: [scraper] 1 new comment, 1 edited" in email.read_bytes()
    # The demo keeps its own database, made anew each run, out of the user's way.
    assert (tmp_path / "home" / "demo" / "scraper.db").is_file()
    assert not (tmp_path / "home" / "scraper.db").exists()


def test_demo_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Russia seeks ‘honest’ cooperation in Syria: Lavrov" in out
    assert "first check: this record is the baseline" in out
    assert "1 new comment, 1 comment edited" in out
    assert "[-Forum.-]{+Forum and on Peace News.+}" in out  # no colour when not a terminal
    # It ends by showing the email the check's report became.
    email = out.split("4. the change report, as an email")[1]
    assert "To: you@example.org" in email
    assert "Subject: [scraper] 1 new comment, 1 edited · Russia seeks ‘honest’" in email
    assert "NEW COMMENTS (1)" in email and "EDITED COMMENTS (1)" in email
