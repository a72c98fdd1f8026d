"""The vocabulary of comment markup: what class and id words, and what texts, say "author", "date",
"text" or "not the comment" across themes and comment plugins. Data, kept in one place."""

from __future__ import annotations

import re

from lxml import etree

# Class and id words, split on "-", "_" and camelCase: `comment-author` -> {comment, author}.
AUTHOR_WORDS = frozenset({
    "author", "user", "username", "name", "nick", "nickname", "poster", "commenter", "fn", "who",
    "login", "member", "writer", "byline", "authorname", "commentauthor",
})
DATE_WORDS = frozenset({
    "date", "time", "timestamp", "published", "when", "ago", "created", "datetime",
    "dateline", "relativetime", "timeago", "commentdate",
})
TEXT_WORDS = frozenset({
    "content", "text", "body", "message", "msg", "copy", "entry", "html", "commenttext",
    "commentbody", "commentcontent",
})
# Parts of a comment that are not its text: headers, footers, tools, avatars, reply links.
META_WORDS = frozenset({
    "meta", "metadata", "commentmetadata", "header", "head", "footer", "foot", "info", "details",
    "vcard", "avatar", "reply", "replies", "actions", "action", "tools", "toolbar", "links", "vote",
    "votes", "voting", "like", "likes", "rating", "share", "sharing", "report", "edit", "permalink",
    "says", "flag", "buttons", "controls", "menu", "badge", "awaiting", "moderation", "label",
    "num", "number", "count", "counter", "gravatar", "photo", "icon", "signature", "subscribe", "nav",
})
# Containers whose repeated blocks are never the page's thread, however comment-like they look
# (matched on a class or id's first or last word: `widget_recent_comments`, `jp-relatedposts`).
NOT_THREAD_WORDS = frozenset({
    "widget", "sidebar", "related", "recent", "popular", "latest", "trending", "archive", "menu",
    "nav", "navigation", "breadcrumb", "breadcrumbs", "masthead", "share",
    "sharing", "recentcomments", "jp", "relatedposts", "yarpp", "crp", "promo", "newsletter",
    "ad", "ads", "advert", "sponsored", "teaser", "teasers", "more", "toc", "postnav",
})
# Not `footer`: themes print the thread in the post's own footer (`footer.entry-footer`).
NOT_THREAD_TAGS = frozenset({"nav", "aside", "menu", "select"})
# Words that mark the place of a page's thread.
THREAD_WORDS = frozenset({
    "comment", "comments", "commentlist", "discussion", "responses", "thread", "forum",
    "replies", "conversation", "disqus", "reactions", "postlist", "posts", "topic",
})

# Ids comment systems give each comment: WordPress (comment-N, li-comment-N, div-comment-N),
# Movable Type (c123), wpDiscuz (wc-comm-N_M, wpd-comm-N_M), Drupal (an empty a#comment-N).
# A bare `c12` is also how some CMSs (TYPO3) name every content block.
BARE_C_ID = re.compile(r"^c\d+$", re.IGNORECASE)
COMMENT_ID = re.compile(
    r"^(?:li-|div-|wc-|wpd-|js-)?(?:comment|comm|cmt|c|reply)[-_]?(\d+)(?:_\d+)?$", re.IGNORECASE
)

_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|mei|juni|juli|"
    "agustus|okt|desember|janv|févr|mars|avr|mai|juin|juil|août|sept|déc|ene|abr|ago|dic|"
    "gen|giu|lug|set|ott|gennaio|maret|maart"
)
DATE_TEXT = re.compile(
    r"\b\d{4}-\d\d-\d\d|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"
    rf"|\b(?:{_MONTHS})[a-zé]*\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}\.?\s+(?:{_MONTHS})[a-zé]*\b"
    r"|\b\d+\s+(?:second|sec|minute|min|hour|day|week|month|year)s?\s+ago\b"
    r"|\b(?:yesterday|today|just now)\b",
    re.IGNORECASE,
)
ISO_DATE = re.compile(r"^\s*\d{4}-\d\d-\d\d(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?\s*$")

_RUN_TOGETHER = re.compile(r"^(?:comment|cmt|com)([a-z]{3,})$")
_SPLIT = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")


def words(el: etree._Element) -> set[str]:
    """The element's class and id, as lower-case words, with each whole name too
    (`commentmetadata`, `comment-author` -> {comment, author, comment-author})."""
    raw = f"{el.get('class') or ''} {el.get('id') or ''}"
    names = set(raw.lower().split())
    found = names | {w.lower() for w in _SPLIT.split(raw) if w}
    # Run-together names keep their part word: `cmtauthor` -> author, `commentinfo` -> info.
    return found | {m.group(1) for w in found if (m := _RUN_TOGETHER.match(w))}


def tag(el: etree._Element) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def is_date(text: str) -> bool:
    return bool(DATE_TEXT.search(text))
