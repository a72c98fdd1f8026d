"""What a report carries: the stored changes of one or more checks, with what a reader needs around
them (page title, link, time). This is the outbox payload: plain JSON, rendered when sent.

Pure: no store, no clock. Changes are the stored JSON dicts, not `scraper.model.changes.Change`, so a
kind added later (e.g. `failing`) renders without a change here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, Field

from scraper.base.terminal import safe

SUBJECT_PREFIX = "[scraper]"
SUBJECT_WIDTH = 78  # what a mail client shows before it cuts
SUMMARY_WIDTH = 120  # a subject listing twenty kinds of change helps nobody


class EvidenceLink(BaseModel):
    """The signed evidence bundle a check left (a watch with `--evidence-on-change`)."""

    path: str  # the bundle's folder (what `scraper verify` takes)
    wacz: str  # its package file
    package_hash: str  # SHA-256 of that file

    @property
    def wacz_name(self) -> str:
        return PurePath(self.wacz).name


class ReportItem(BaseModel):
    """One check's reportable changes."""

    watch_id: int | None = None
    watch: str
    url: str  # the page as it was checked (its final URL)
    title: str | None = None
    profile: str | None = None  # which profile read the page (it spells the comment anchors)
    check_id: int | None = None
    checked_at: str  # UTC ISO-8601
    changes: list[dict[str, Any]]
    # Comments the changes point at but do not carry (a new reply's parent): id -> author, text.
    context: dict[str, dict[str, str | None]] = Field(default_factory=dict)
    evidence: EvidenceLink | None = None
    # What the capture said about itself (an empty article, a thread shorter than its count).
    warnings: list[str] = Field(default_factory=list)


class Report(BaseModel):
    items: list[ReportItem]
    digest: bool = False

    def changes(self) -> list[dict[str, Any]]:
        return [change for item in self.items for change in item.changes]


def one_line(value: object) -> str:
    """A page-derived value for a single line (subject, author, title): line breaks and control
    characters are shown as escapes, so they can neither break a header nor fake a line."""
    text = str(value).replace("\r", "\\r").replace("\n", "\\n").replace("\t", " ")
    return safe(text)


def summary(changes: Iterable[dict[str, Any]]) -> str:
    """"2 new comments, 1 edited, paragraph 3 edited, title changed": what a subject line says."""
    changes = list(changes)
    kinds = Counter(c["kind"] for c in changes)
    parts = [*_alerts(changes)]
    if kinds["comment_added"]:
        n = kinds["comment_added"]
        parts.append(f"{n} new comment{'s' if n != 1 else ''}")
    edited = len({c.get("comment_id") for c in changes if c["kind"] == "comment_edited"})
    if edited:
        parts.append(f"{edited} edited" if parts else f"{edited} comment{'s' if edited != 1 else ''} edited")
    if kinds["comment_removed"]:
        n = kinds["comment_removed"]
        parts.append(f"{n} removed" if parts else f"{n} comment{'s' if n != 1 else ''} removed")
    paragraphs = [c for c in changes if c["kind"] == "article_edited"]
    if len(paragraphs) == 1:
        parts.append(f"paragraph {paragraphs[0].get('paragraph')} edited")
    elif paragraphs:
        parts.append(f"{len(paragraphs)} paragraphs edited")
    parts.extend(f"{c.get('field')} changed" for c in changes if c["kind"] == "article_changed")
    known = {"comment_added", "comment_edited", "comment_removed", "article_edited", "article_changed",
             "profile_mismatch", "failing"}
    parts.extend(f"{kind.replace('_', ' ')}" for kind in kinds if kind not in known)
    return ", ".join(parts) if parts else "no changes"


# A failure streak's headline, by the last failure's kind (scraper.base.failures), in words.
FAILING_WORDS = {
    "timeout": "timed out",
    "network": "could not reach the page",
    "http": "got an HTTP error",
    "browser": "lost the browser",
    "page": "failed on the page",
    "profile": "failed: the profile is broken",
    "storage": "could not store their result",
}


def _alerts(changes: list[dict[str, Any]]) -> list[str]:
    out = []
    for change in changes:
        if change["kind"] == "failing":
            why = FAILING_WORDS.get(str(change.get("error_kind")), "failed")
            out.append(f"{change.get('checks')} checks in a row {why}")
        elif change["kind"] == "profile_mismatch":
            out.append("profile matched nothing")
    return out


def subject(report: Report) -> str:
    """`[scraper] 2 new comments, 1 edited · Russia seeks ‘honest’ cooperation…` (one line)."""
    said = shorten(one_line(summary(report.changes())), SUMMARY_WIDTH)
    head = f"{SUBJECT_PREFIX} {'digest: ' if report.digest else ''}{said}"
    pages = {item.url for item in report.items}
    if len(pages) > 1:
        return f"{head} on {len(pages)} pages"
    item = report.items[0]
    title = one_line(item.title or item.watch)
    room = max(SUBJECT_WIDTH - len(head) - 3, 24)
    return f"{head} · {shorten(title, room)}"


def shorten(text: str, width: int) -> str:
    """Cut at a word boundary and mark the cut with an ellipsis."""
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0] if " " in text[: width - 1] else text[: width - 1]
    return cut.rstrip(" ,;:·-") + "…"
