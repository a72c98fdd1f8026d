"""Report rendering, pure: stored changes in, subject + text + HTML (+ the MIME message) out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import lxml.html

from scraper.config.settings import Settings
from scraper.model.textdiff import word_diff
from scraper.reports.message import build_email
from scraper.reports.pictures import MAX_PICTURES
from scraper.reports.render import Picture, render
from scraper.reports.report import EvidenceLink, Report, ReportItem, subject

URL = "https://example.wordpress.com/2016/10/19/russia-seeks-honest-cooperation-in-syria-lavrov/"
TITLE = "Russia seeks ‘honest’ cooperation in Syria: Lavrov"
P_OLD = "Lavrov was speaking during an official visit to Greece."
P_NEW = "Lavrov was speaking during a two-day visit to Greece."
HOSTILE_AUTHOR = "Eve\r\nBcc: victim@example.org"
HOSTILE_TEXT = "<script>alert(1)</script> <b>bold</b> {{ 7*7 }}\nsecond line"


def comment(cid: str, author: str, text: str, parent: str | None = None) -> dict[str, Any]:
    return {"id": cid, "parent_id": parent, "author": author,
            "published": "2016-10-19T15:41:00+00:00", "text": text}


CHANGES: list[dict[str, Any]] = [
    {"kind": "article_changed", "field": "likes", "old": 3, "new": 7},
    {"kind": "article_edited", "paragraph": 3, "old": P_OLD, "new": P_NEW,
     "diff": [list(s) for s in word_diff(P_OLD, P_NEW)]},
    {"kind": "comment_removed", "comment": comment("4522", "Sam", "Gone now.")},
    {"kind": "comment_edited", "comment_id": "4521", "author": "daveyone1", "field": "text",
     "old": "on World Peace Forum.", "new": "on World Peace Forum and Peace News.",
     "diff": [["=", "on World Peace "], ["-", "Forum."], ["+", "Forum and Peace News."]]},
    {"kind": "comment_added",
     "comment": comment("4550", "Maria K.", "First paragraph.\n\nSecond, after a blank line.")},
    {"kind": "comment_added", "comment": comment("4551", "Bob", "A reply to Maria.", parent="4550")},
    {"kind": "comment_added", "comment": comment("4552", "Cy", "A reply to an old one.", parent="4521")},
]


def item(changes: list[dict[str, Any]], **fields: Any) -> ReportItem:
    base = {"watch": "lavrov", "url": URL, "title": TITLE, "check_id": 12, "profile": "wordpress",
            "checked_at": "2026-11-30T09:30:00Z", "changes": changes,
            "context": {"4521": {"author": "daveyone1", "text": "Reblogged this"}}}
    return ReportItem(**{**base, **fields})


def test_subject_and_text_say_what_changed_section_by_section() -> None:
    rendered = render(Report(items=[item(CHANGES)]))
    assert rendered.subject == ("[scraper] 3 new comments, 1 edited, 1 removed, paragraph 3 edited, "
                                "likes changed · Russia seeks ‘honest’…")
    text = rendered.text
    assert text.startswith("3 new comments, 1 edited, 1 removed, paragraph 3 edited, likes changed\n\n"
                           f"{TITLE}\n{URL}\nChecked 2026-11-30 09:30 UTC · watch \"lavrov\" · check 12\n")
    sections = [line for line in text.splitlines() if line.isupper() and not line.startswith(" ")]
    assert sections == ["NEW COMMENTS (3)", "EDITED COMMENTS (1)", "REMOVED COMMENTS (1)",
                        "ARTICLE TEXT", "OTHER CHANGES"]
    new = text.split("NEW COMMENTS (3)")[1].split("EDITED COMMENTS")[0]
    # The reply sits under its parent; the reply to an old comment says whom it answers.
    assert new.index("Maria K.") < new.index("↳ Bob") < new.index("Cy · ")
    assert "Cy · 2016-10-19 15:41 UTC · #4552 · reply to daveyone1" in new
    assert f"  {URL}#comment-4550" in new
    assert "      First paragraph.\n\n      Second, after a blank line." in new  # line breaks kept
    assert "on World Peace [-Forum.-]{+Forum and Peace News.+}" in text
    assert "during [-an official-]{+a two-day+} visit" in text
    assert "Sam · 2016-10-19 15:41 UTC · #4522" in text
    assert "  likes: 3 → 7" in text


def test_html_has_the_same_sections_inlined_and_dark_mode_aware() -> None:
    html = render(Report(items=[item(CHANGES)])).html
    doc = lxml.html.fromstring(html)
    assert [" ".join(s.text_content().split()) for s in doc.find_class("section")] == [
        "New comments 3", "Edited comments 1", "Removed comments 1", "Article text 1", "Other changes 1"]
    (maria,) = [c for c in doc.find_class("added") if "Maria K." in c.text_content()]
    assert [p.text_content() for p in maria.find_class("para")][:2] == [
        "First paragraph.", "Second, after a blank line."]
    assert [r.find_class("author")[0].text_content() for r in maria.find_class("reply")] == ["Bob"]
    assert maria.find_class("meta")[0].xpath(".//a/@href") == [f"{URL}#comment-4550"]
    (deleted,) = [d for d in doc.iter("del") if d.text_content() == "an official"]
    assert "line-through" in deleted.get("style", "")  # inlined: survives Gmail and Outlook
    assert [i.text_content() for i in doc.iter("ins")][:2] == ["Forum and Peace News.", "a two-day"]
    assert "@media (prefers-color-scheme: dark)" in html
    assert doc.xpath("//img") == []  # nothing to load


def test_alerts_failure_streak_and_profile_mismatch() -> None:
    failing = {"kind": "failing", "since": "2026-11-30T06:00:00Z", "checks": 5,
               "error_kind": "timeout", "error": "deadline of 45s passed"}
    mismatch = {"kind": "profile_mismatch", "profile": "wordpress",
                "detail": "profile 'wordpress' matched nothing on the page"}
    rendered = render(Report(items=[item([failing, mismatch])]))
    assert rendered.subject.startswith("[scraper] 5 checks in a row timed out, profile matched nothing ·")
    assert ("!! 5 checks in a row timed out, since 2026-11-30 06:00 UTC\n   deadline of 45s passed"
            in rendered.text)
    doc = lxml.html.fromstring(rendered.html)
    assert [a.find_class("alert-title")[0].text_content() for a in doc.find_class("alert")] == [
        "5 checks in a row timed out, since 2026-11-30 06:00 UTC", "Profile 'wordpress' matched nothing"]


def test_page_text_is_shown_literally_and_cannot_inject_headers() -> None:
    hostile = [{"kind": "comment_added", "comment": comment("66", HOSTILE_AUTHOR, HOSTILE_TEXT)}]
    report = Report(items=[item(hostile, title="<b>T</b> {{ x }}\r\nBcc: victim@example.org")])
    rendered = render(report)
    assert "\r" not in rendered.subject and "\n" not in rendered.subject
    assert rendered.subject == r"[scraper] 1 new comment · <b>T</b> {{ x }}\r\nBcc: victim@example.org"
    assert "Eve\\r\\nBcc: victim@example.org · 2016-10-19" in rendered.text
    assert "<script>alert(1)</script> <b>bold</b> {{ 7*7 }}\n      second line" in rendered.text

    doc = lxml.html.fromstring(rendered.html)
    assert doc.xpath("//script") == [] and doc.xpath("//b") == []  # inert: text, not markup
    (added,) = doc.find_class("added")
    assert added.find_class("author")[0].text_content() == "Eve\\r\\nBcc: victim@example.org"
    assert added.find_class("para")[0].text_content() == (
        "<script>alert(1)</script> <b>bold</b> {{ 7*7 }}second line")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html

    message = build_email(rendered, sender="scraper@example.org", to="desk@example.org",
                          message_id="<1.report@example.org>", date=datetime(2026, 11, 30, tzinfo=UTC))
    parsed = message_from_bytes(bytes(message), policy=policy.default)
    assert parsed["Bcc"] is None and parsed.get_all("To") == ["desk@example.org"]
    assert str(parsed["Subject"]) == rendered.subject
    assert [part.get_content_type() for part in parsed.iter_parts()] == ["text/plain", "text/html"]


def test_a_digest_names_every_page() -> None:
    other = item([CHANGES[4]], watch="harbour", url="https://example.org/harbour", title="Harbour lights")
    report = Report(items=[item(CHANGES[:1]), other], digest=True)
    assert subject(report) == "[scraper] digest: 1 new comment, likes changed on 2 pages"
    text = render(report).text
    assert text.index(TITLE) < text.index("Harbour lights") and "Digest of 2 checks." in text


def test_an_item_with_an_evidence_bundle_names_it_in_text_and_html() -> None:
    folder = "/srv/scraper/captures/20261130T093000Z-example.wordpress.com"
    link = EvidenceLink(path=folder, wacz=f"{folder}/20261130T093000Z-example.wordpress.com.wacz",
                        package_hash="9f" * 32)
    other = item([CHANGES[4]], watch="harbour", url="https://example.org/harbour", check_id=13)
    rendered = render(Report(items=[item(CHANGES[:1], evidence=link), other], digest=True))
    text = rendered.text
    assert (f"check 12\nEvidence bundle: {folder}\n"
            f"  20261130T093000Z-example.wordpress.com.wacz · SHA-256 {'9f' * 32}\n") in text
    assert text.count("Evidence bundle:") == 1  # the other check left none
    doc = lxml.html.fromstring(rendered.html)
    (named,) = doc.find_class("evidence")
    assert " ".join(named.text_content().split()) == (
        f"Evidence bundle: {folder} 20261130T093000Z-example.wordpress.com.wacz · SHA-256 {'9f' * 32}")
    assert named.getparent() is doc.find_class("item-head")[0]  # under its own page, not the other


def test_templates_can_be_overridden_from_a_folder(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "report.txt.j2").write_text("Custom: {{ summary }} ({{ items|length }} page)\n")
    mail = replace(settings.mail, templates=tmp_path)  # as SCRAPER_TEMPLATES names it
    rendered = render(Report(items=[item(CHANGES[:1])]), mail.templates)
    assert rendered.text == "Custom: likes changed (1 page)\n"
    assert "Other changes" in rendered.html  # the HTML template was not overridden


def test_with_a_dashboard_each_check_links_to_its_page() -> None:
    plain = render(Report(items=[item(CHANGES, watch_id=3)]))
    assert "dashboard" not in plain.text and "dashboard" not in plain.html
    linked = render(Report(items=[item(CHANGES, watch_id=3)]), dashboard="https://scraper.example.org")
    page = "https://scraper.example.org/watches/3/checks/12"
    assert f"check 12\nOn the dashboard: {page}\n" in linked.text
    assert lxml.html.fromstring(linked.html).xpath("//a[@class='dashboard']/@href") == [page]


def test_a_report_carries_pictures_up_to_its_cap_and_counts_the_rest() -> None:
    added = [{"kind": "comment_added", "comment": comment(str(n), "Ann", f"Comment {n}.")}
             for n in range(MAX_PICTURES + 3)]
    report = Report(items=[item(added, check_id=7)])
    pictures = {(7, f"comment:{n}"): Picture("image/png", f"png {n}".encode()) for n in range(len(added))}
    rendered = render(report, pictures=pictures)
    assert len(rendered.pictures) == MAX_PICTURES
    doc = lxml.html.fromstring(rendered.html)
    sources = [img.get("src") for img in doc.iter("img")]
    assert sources == [f"cid:{pictures[(7, f'comment:{n}')].cid}" for n in range(MAX_PICTURES)]
    assert "3 more pictures on the dashboard." in doc.text_content()
    assert f"{MAX_PICTURES} pictures of the changed items" in rendered.text
    assert "3 more pictures on the dashboard." in rendered.text

    message = build_email(rendered, sender="scraper@example.org", to="desk@example.org",
                          message_id="<1@example.org>", date=datetime(2026, 12, 5, tzinfo=UTC))
    parsed = message_from_bytes(message.as_bytes(), policy=policy.SMTP)
    attached = [p for p in parsed.walk() if p.get_content_maintype() == "image"]
    assert [str(p["Content-ID"]) for p in attached] == [f"<{p.cid}>" for p in rendered.pictures]
    assert attached[0].get_payload(decode=True) == b"png 0"
    # Without pictures the email stays text and HTML only.
    plain = render(Report(items=[item(added[:1], check_id=7)]))
    assert plain.pictures == () and "picture" not in plain.text
