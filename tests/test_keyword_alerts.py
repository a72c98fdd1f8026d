"""Keyword alerts (issue 26): `--alert-on REGEX` reports a check only when a new or edited comment
or paragraph matches, and the report shows the match, escaped, on the demo site through the real
CLI and a real SMTP server."""

from __future__ import annotations

import json

import lxml.html
import pytest

from scraper.demo.site import DemoSite
from tests.cli import run, run_json
from tests.fixtures.smtp import SmtpServer

pytestmark = pytest.mark.browser


def test_only_a_matching_comment_is_reported_and_the_match_is_highlighted(
    capsys: pytest.CaptureFixture[str], demo_site: DemoSite, smtp_server: SmtpServer
) -> None:
    watch = run_json(capsys, "watch", "add", demo_site.article_url, "--name", "lavrov",
                     "--email", "desk@example.org", "--alert-on", r"\btruce\b", "--alert-on", "cease-?fire")
    assert watch["alert_on"] == [r"\btruce\b", "cease-?fire"]
    assert run(capsys, "check", "lavrov", "--send")[0] == 0  # the baseline reports nothing

    demo_site.add_comment("Ann", "Nothing about it here: the weather is fine.")
    first = run_json(capsys, "check", "lavrov", "--send")
    assert [c["kind"] for c in first["changes"]] == ["comment_added"]  # stored, not reported
    assert smtp_server.received == []

    demo_site.add_comment("Bob", "The <b>TRUCE</b> will not hold; no ceasefire.")
    demo_site.add_comment("Cy", "Still nothing.")
    code, out, err = run(capsys, "check", "lavrov", "--send")
    assert code == 0, err
    [email] = smtp_server.wait_for(1)
    message = email.message
    assert str(message["Subject"]).startswith("[scraper] 1 new comment ·")  # Cy's is not in it
    text = message.get_body(("plain",)).get_content()
    assert '** Matched "\\btruce\\b", "cease-?fire" in a new comment by Bob' in text
    assert "The <b>>>TRUCE<<</b> will not hold; no >>ceasefire<<." in text
    assert "Still nothing" not in text
    assert "Word changes are marked" not in text  # no word diff in it: no footer about one
    html = message.get_body(("html",)).get_content()
    marks = [m.text_content() for m in lxml.html.fromstring(html).iter("mark")]
    assert marks == ["TRUCE", "ceasefire"]
    assert "&lt;b&gt;" in html and "<b>TRUCE" not in html  # page text escaped around the mark

    assert run(capsys, "watch", "add", demo_site.base_url + "/x", "--alert-on", "(a+)+")[0] == 2
    code, _, err = run(capsys, "watch", "add", demo_site.base_url + "/y", "--alert-on", "[oops")
    assert code == 2 and "--alert-on" in err and "invalid regex" in err
    code, out, _ = run(capsys, "watch", "export")
    assert code == 0 and "alert_on:" in out and "cease-?fire" in out
    assert json.loads(run(capsys, "watch", "show", "lavrov", "--json")[1])["alert_on"]
