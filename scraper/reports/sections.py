"""A report item's changes, grouped the way a person reads them.

Pure: the stored change dicts in, small view objects out, in this order: alerts (profile mismatch,
failure streak), new comments (replies under their parent), edited comments, removed comments,
article paragraphs, other article fields. The templates only lay these out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scraper.reports.pictures import item_key
from scraper.reports.report import FAILING_WORDS, ReportItem

# How a comment's anchor is spelled, by profile; WordPress and Drupal both use "comment-N".
ANCHORS = {"isso": "isso-{id}"}
DEFAULT_ANCHOR = "comment-{id}"

Segment = tuple[str, str]  # (op, text), op in "=", "-", "+"


@dataclass
class CommentView:
    id: str | None
    author: str | None
    published: str | None
    text: str
    permalink: str | None
    reply_to: str | None = None  # "daveyone1" or "#4521": only where the parent is not shown above
    replies: list[CommentView] = field(default_factory=list)
    key: str | None = None  # its item key (`scraper.reports.pictures`): its picture, its proof


@dataclass(frozen=True)
class FieldEdit:
    field: str
    old: str
    new: str


@dataclass
class EditedComment:
    id: str
    author: str | None
    permalink: str | None
    key: str = ""  # its item key
    diff: list[Segment] | None = None  # the text, word by word
    fields: list[FieldEdit] = field(default_factory=list)  # author, published, parent


@dataclass(frozen=True)
class ParagraphEdit:
    number: int
    verb: str  # edited, added, removed
    diff: list[Segment] | None  # edited: word diff
    text: str  # added / removed: the paragraph


@dataclass(frozen=True)
class Alert:
    title: str
    detail: str


@dataclass(frozen=True)
class Match:
    """A keyword alert's hit: where (a new comment by X, paragraph 3) and an excerpt, cut in
    segments: ("!", matched text) or ("=", text around it)."""

    where: str
    patterns: list[str]
    segments: list[Segment]


@dataclass
class Sections:
    alerts: list[Alert] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    added: list[CommentView] = field(default_factory=list)
    edited: list[EditedComment] = field(default_factory=list)
    removed: list[CommentView] = field(default_factory=list)
    paragraphs: list[ParagraphEdit] = field(default_factory=list)
    fields: list[FieldEdit] = field(default_factory=list)

    @property
    def word_changes(self) -> bool:
        """Whether any word diff is shown (the footer explains the marks only then)."""
        return any(e.diff for e in self.edited) or any(p.diff for p in self.paragraphs)

    def counts(self) -> dict[str, int]:
        return {"added": _count(self.added), "edited": len(self.edited), "removed": len(self.removed),
                "paragraphs": len(self.paragraphs), "fields": len(self.fields)}


def _count(nodes: list[CommentView]) -> int:
    return sum(1 + _count(node.replies) for node in nodes)


def permalink(page_url: str, comment_id: str | None, profile: str | None = None) -> str | None:
    """The page URL with the comment's anchor; None for comments the site gives no id."""
    if not comment_id or comment_id.startswith("fp:"):
        return None
    anchor = ANCHORS.get(profile or "", DEFAULT_ANCHOR).format(id=comment_id)
    return page_url.split("#", 1)[0] + "#" + anchor


def when(value: object) -> str:
    """An ISO-8601 time as "2016-10-19 15:12 UTC"; anything else as the page gave it."""
    if not isinstance(value, str):
        return "" if value is None else str(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.utcoffset() is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    zone = "UTC" if moment.utcoffset().total_seconds() == 0 else moment.strftime("%z")  # type: ignore[union-attr]
    return moment.strftime("%Y-%m-%d %H:%M ") + zone


def build(item: ReportItem) -> Sections:
    out = Sections()
    profile = item.profile
    new_comments: list[dict[str, Any]] = []
    edits: dict[str, EditedComment] = {}
    for change in item.changes:
        kind = change["kind"]
        if change.get("alert"):
            out.matches.append(_match(change))
        if kind == "comment_added":
            new_comments.append(change.get("comment") or {})
        elif kind == "comment_removed":
            out.removed.append(_comment(change.get("comment") or {}, item, profile, link=False))
        elif kind == "comment_edited":
            _edit(edits, change, item, profile)
        elif kind == "article_edited":
            out.paragraphs.append(_paragraph(change))
        elif kind == "article_changed":
            out.fields.append(FieldEdit(str(change.get("field")), _value(change.get("old")),
                                        _value(change.get("new"))))
        else:
            out.alerts.append(_alert(change))
    out.added = _threads(new_comments, item, profile)
    out.edited = list(edits.values())
    return out


def _comment(data: dict[str, Any], item: ReportItem, profile: str | None, *,
             link: bool = True) -> CommentView:
    comment_id = data.get("id")
    return CommentView(
        id=comment_id, author=data.get("author"), published=when(data.get("published")) or None,
        text=str(data.get("text") or ""),
        # A removed comment's anchor leads nowhere any more.
        permalink=permalink(item.url, comment_id, profile) if link else None,
        key=item_key({"kind": "comment_added", "comment": data}),
    )


def _threads(comments: list[dict[str, Any]], item: ReportItem, profile: str | None) -> list[CommentView]:
    """New comments as trees: a reply to another new comment goes under it; a reply to an older
    comment stays at the top, saying whom it answers."""
    views = {id(c): _comment(c, item, profile) for c in comments}
    by_id = {c["id"]: views[id(c)] for c in comments if c.get("id")}
    roots = []
    for c in comments:
        view, parent = views[id(c)], c.get("parent_id")
        if parent and parent in by_id and by_id[parent] is not view:
            by_id[parent].replies.append(view)
            continue
        if parent:
            known = item.context.get(parent, {})
            view.reply_to = known.get("author") or f"#{parent}"
        roots.append(view)
    return roots


def _edit(edits: dict[str, EditedComment], change: dict[str, Any], item: ReportItem,
          profile: str | None) -> None:
    comment_id = str(change.get("comment_id"))
    entry = edits.setdefault(comment_id, EditedComment(
        id=comment_id, author=change.get("author"), permalink=permalink(item.url, comment_id, profile),
        key=f"comment:{comment_id}"))
    name = change.get("field")
    if name == "text":
        entry.diff = _segments(change.get("diff")) or [("-", _value(change.get("old"))),
                                                       ("+", _value(change.get("new")))]
    else:
        old, new = change.get("old"), change.get("new")
        if name == "published":
            old, new = when(old) or None, when(new) or None
        if name == "parent_id":
            name, old, new = "reply to", _ref(old), _ref(new)
        entry.fields.append(FieldEdit(str(name), _value(old), _value(new)))


def _ref(comment_id: object) -> str | None:
    return f"#{comment_id}" if comment_id else "(top level)"


def _paragraph(change: dict[str, Any]) -> ParagraphEdit:
    old, new = change.get("old"), change.get("new")
    verb = "added" if old is None else "removed" if new is None else "edited"
    return ParagraphEdit(number=int(change.get("paragraph") or 0), verb=verb,
                         diff=_segments(change.get("diff")) if verb == "edited" else None,
                         text=str(new if old is None else old))


def _alert(change: dict[str, Any]) -> Alert:
    kind = change["kind"]
    if kind == "failing":
        since = when(change.get("since"))
        why = FAILING_WORDS.get(str(change.get("error_kind")), "failed")
        return Alert(title=f"{change.get('checks')} checks in a row {why}, since {since}",
                     detail=str(change.get("error") or ""))
    if kind == "profile_mismatch":
        return Alert(title=f"Profile '{change.get('profile')}' matched nothing",
                     detail=str(change.get("detail") or ""))
    detail = {k: v for k, v in change.items() if k not in ("kind", "notify")}
    return Alert(title=kind.replace("_", " ").capitalize(), detail=str(detail) if detail else "")


def _segments(diff: object) -> list[Segment] | None:
    if not isinstance(diff, list):
        return None
    return [(str(op), str(text)) for op, text in diff]


def _value(value: object) -> str:
    if value is None or value == []:
        return "(none)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


EXCERPT = 240  # characters of text around a keyword alert's first hit


def _match(change: dict[str, Any]) -> Match:
    import re

    kind, patterns = change["kind"], list(change.get("alert") or [])
    if kind == "comment_added":
        comment = change.get("comment") or {}
        text = str(comment.get("text") or "")
        where = f"a new comment by {comment.get('author') or '(no author)'}"
    elif kind == "comment_edited":
        text = str(change.get("new") or "")
        where = f"an edited comment by {change.get('author') or '(no author)'}"
    else:
        text, where = str(change.get("new") or ""), f"paragraph {change.get('paragraph')}"
    spans = sorted({m.span() for p in patterns for m in re.finditer(p, text, re.IGNORECASE)
                    if m.end() > m.start()})
    start = max((spans[0][0] if spans else 0) - EXCERPT // 2, 0)
    end = min(start + EXCERPT, len(text))
    segments: list[Segment] = [("=", "…")] if start else []
    at = start
    for a, b in spans:
        if a < at or a >= end:
            continue
        segments += [("=", text[at:a]), ("!", text[a:b])]
        at = b
    segments.append(("=", text[at:end] + ("…" if end < len(text) else "")))
    return Match(where=where, patterns=patterns, segments=[s for s in segments if s[1]])
