"""Change detection: what differs between two records of the same page, item by item.

Pure: two records in, a list of `Change` out (no browser, no database, no clock).

Output order is part of the contract (reports and tests rely on it):
1. `profile_mismatch` alone, when the new record is empty and the old one was not;
2. `article_changed`, fields in the order title, author, published, tags, likes;
3. `article_edited`, in document order (one change per paragraph);
4. `comment_removed`, in the old page's order;
5. `comment_edited`, in the new page's order; per comment, fields in the order text, author,
   published, parent_id;
6. `comment_added`, in the new page's order.

JSON (`Change.to_dict()`, i.e. `model_dump(mode="json", exclude_none=True)`): keys whose value is
None are left out, so e.g. an added paragraph carries no `old` key.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from difflib import SequenceMatcher
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict

from scraper.base.errors import InputError
from scraper.model.record import Article, Comment, Record
from scraper.model.textdiff import Segment, word_diff

ChangeKind = Literal[
    "comment_added",
    "comment_removed",
    "comment_edited",
    "article_edited",
    "article_changed",
    "profile_mismatch",
    "failing",
]
CHANGE_KINDS: tuple[str, ...] = get_args(ChangeKind)

CommentField = Literal["text", "author", "published", "parent_id"]
ArticleField = Literal["title", "author", "published", "tags", "likes"]
COMMENT_FIELDS: tuple[CommentField, ...] = get_args(CommentField)
ARTICLE_FIELDS: tuple[ArticleField, ...] = get_args(ArticleField)

# What `old` / `new` can hold: a comment or article field value (tags are a list, likes an int).
FieldValue = str | int | list[str] | None


class Change(BaseModel):
    """One reportable difference. Fields not relevant to `kind` stay None (and out of the JSON)."""

    model_config = ConfigDict(extra="forbid")

    kind: ChangeKind
    comment: dict[str, Any] | None = None  # comment_added / comment_removed: the whole comment
    comment_id: str | None = None  # comment_edited: Comment.key() in the new record
    author: str | None = None  # comment_edited: the comment's author (the new one if it changed)
    field: CommentField | ArticleField | None = None
    old: FieldValue = None
    new: FieldValue = None
    diff: list[Segment] | None = None  # word diff, when both old and new are texts
    paragraph: int | None = None  # article_edited: 1-based (new position; old one if removed)
    profile: str | None = None  # profile_mismatch
    detail: str | None = None  # profile_mismatch: a sentence for a person
    since: str | None = None  # failing: ISO-8601 UTC of the first failed check of the run
    checks: int | None = None  # failing: how many checks in a row failed
    error_kind: str | None = None  # failing: the last failure's kind (scraper.base.failures)
    error: str | None = None  # failing: the last failure's message (escaped)
    notify: bool = True  # False when filter_changes() says this kind should not notify
    alert: list[str] | None = None  # the watch's --alert-on patterns its new text matches

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class UnknownChangeKindError(InputError, ValueError):
    """`notify_on` named a kind that does not exist. An InputError, so the CLI exits with 2."""


# From this many comments, all of them vanishing at once is taken for a broken page (see below).
COMMENTS_VANISH = 2

# --- detection ------------------------------------------------------------------------------------


def detect_changes(old: Record | None, new: Record) -> list[Change]:
    """List what changed from `old` to `new`, in the order documented in the module docstring."""
    if old is None:
        return []  # the first record is the baseline: nothing to compare it with
    if new.is_empty() and not old.is_empty():
        # An empty capture of a page that had content is almost always a redesign or a consent
        # wall, not the author deleting everything: say so once instead of "everything removed".
        return [_profile_mismatch(old, new)]
    if len(old.comments) >= COMMENTS_VANISH and not new.comments:
        # Every comment gone at once is a widget that failed to load far more often than a
        # moderator emptying the thread: one mismatch, not a wall of comment_removed.
        return [_comments_vanished(old, new)]
    return [
        *_article_field_changes(old.article, new.article),
        *_paragraph_changes(old.article.paragraphs(), new.article.paragraphs()),
        *_comment_changes(old.comments, new.comments),
    ]


def _mismatch(new: Record, what: str) -> Change:
    detail = with_warnings(f"profile '{new.profile}' {what}; keeping the last good record as the base", new)
    return Change(kind="profile_mismatch", profile=new.profile, detail=detail)


def with_warnings(detail: str, record: Record) -> str:
    """A mismatch's detail with what the capture said about itself (an empty article, why), so
    the report says it too."""
    return f"{detail} ({'; '.join(record.warnings)})" if record.warnings else detail


def _profile_mismatch(old: Record, new: Record) -> Change:
    return _mismatch(new, f"matched nothing on the page (last good check had {_describe_content(old)})")


def _comments_vanished(old: Record, new: Record) -> Change:
    count = _plural(len(old.comments), "comment")
    return _mismatch(new, f"found the article but none of the {count} of the last good check")


def _describe_content(record: Record) -> str:
    if record.comments:
        return _plural(len(record.comments), "comment")
    paragraphs = len(record.article.paragraphs())
    if paragraphs:
        return _plural(paragraphs, "paragraph") + " of article text"
    return "article metadata"


def _article_field_changes(old: Article, new: Article) -> Iterator[Change]:
    for name in ARTICLE_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        # Tag order is presentation (themes sort them differently), not content.
        same = sorted(before) == sorted(after) if name == "tags" else before == after
        if not same:
            yield Change(kind="article_changed", field=name, old=before, new=after)


def _paragraph_changes(old: list[str], new: list[str]) -> Iterator[Change]:
    # No autojunk: in a long article a recurring paragraph ("Advertisement") would become junk.
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # A replace block pairs paragraphs one to one; the surplus on either side was removed
        # or added. insert and delete blocks are all surplus.
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            yield _paragraph_change(j1 + k + 1, old[i1 + k], new[j1 + k])
        for i in range(i1 + paired, i2):
            yield _paragraph_change(i + 1, old[i], None)
        for j in range(j1 + paired, j2):
            yield _paragraph_change(j + 1, None, new[j])


def _paragraph_change(position: int, old: str | None, new: str | None) -> Change:
    diff = word_diff(old, new) if old is not None and new is not None else None
    return Change(kind="article_edited", paragraph=position, old=old, new=new, diff=diff)


# --- comments -------------------------------------------------------------------------------------


def _comment_changes(old: list[Comment], new: list[Comment]) -> list[Change]:
    # Work on positions, not objects: a page (or a test) may hold the very same Comment twice.
    pairs, removed, added = _match_by_key(old, new)
    more_pairs, removed, added = _match_idless_edits(old, new, removed, added)
    # Edits are reported in the new page's order, whichever way the pair was found.
    edited = [
        change
        for i, j in sorted([*pairs, *more_pairs], key=lambda pair: pair[1])
        for change in _comment_edits(old[i], new[j])
    ]
    return [
        *(Change(kind="comment_removed", comment=_as_dict(old[i])) for i in removed),
        *edited,
        *(Change(kind="comment_added", comment=_as_dict(new[j])) for j in added),
    ]


# (position in the old list, position in the new list)
Pair = tuple[int, int]
# (pairs, positions left unmatched in the old list, positions left unmatched in the new list)
Matching = tuple[list[Pair], list[int], list[int]]


def _match_by_key(old: list[Comment], new: list[Comment]) -> Matching:
    """Pair comments with equal keys; return (pairs, unmatched old, unmatched new) positions.

    Keys can repeat (two identical id-less comments share a fingerprint): a multiset match, where
    the n-th old occurrence of a key pairs with its n-th new one and only the surplus counts as
    added or removed.
    """
    waiting: defaultdict[str, deque[int]] = defaultdict(deque)
    for i, comment in enumerate(old):
        waiting[comment.key()].append(i)
    pairs: list[Pair] = []
    added: list[int] = []
    for j, comment in enumerate(new):
        queue = waiting[comment.key()]
        if queue:
            pairs.append((queue.popleft(), j))
        else:
            added.append(j)
    removed = sorted(i for queue in waiting.values() for i in queue)
    return pairs, removed, added


def _match_idless_edits(
    old: list[Comment], new: list[Comment], removed: list[int], added: list[int]
) -> Matching:
    """Pair an id-less removed comment with an id-less added one of the same author and date.

    An id-less comment's key is a fingerprint of its text, so editing the text changes the key. The
    same author at the same timestamp is the same comment, edited: one comment_edited, not a
    removal plus an addition. Several candidates pair up in page order.
    """
    candidates: defaultdict[tuple[str | None, str | None], deque[int]] = defaultdict(deque)
    for i in removed:
        if old[i].id is None:
            candidates[(old[i].author, old[i].published)].append(i)
    pairs: list[Pair] = []
    still_added: list[int] = []
    for j in added:
        queue = candidates[(new[j].author, new[j].published)] if new[j].id is None else None
        if queue:
            pairs.append((queue.popleft(), j))
        else:
            still_added.append(j)
    paired_old = {i for i, _ in pairs}
    return pairs, [i for i in removed if i not in paired_old], still_added


def _comment_edits(old: Comment, new: Comment) -> Iterator[Change]:
    author = new.author if new.author is not None else old.author
    for name in COMMENT_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        diff = word_diff(before or "", after or "") if name == "text" else None
        yield Change(kind="comment_edited", comment_id=new.key(), author=author, field=name,
                     old=before, new=after, diff=diff)


def _as_dict(comment: Comment) -> dict[str, Any]:
    # Same shape as the comment in Record.to_dict(): every key present, None included.
    return comment.model_dump(mode="json")


# --- filtering and summary ------------------------------------------------------------------------


def filter_changes(changes: list[Change], notify_on: list[str] | None) -> list[Change]:
    """Return copies of `changes` with notify=False on kinds not in `notify_on` (None: all notify).

    Raises UnknownChangeKindError (a ValueError and an InputError) if `notify_on` names a kind
    that does not exist, so a typo in a watch file is refused instead of silencing every report.
    """
    if notify_on is None:
        return [change.model_copy(update={"notify": True}) for change in changes]
    unknown = [kind for kind in notify_on if kind not in CHANGE_KINDS]
    if unknown:
        bad = ", ".join(repr(kind) for kind in unknown)
        raise UnknownChangeKindError(
            f"unknown change kind {bad} in notify_on; allowed: {', '.join(CHANGE_KINDS)}"
        )
    wanted = set(notify_on)
    return [change.model_copy(update={"notify": change.kind in wanted}) for change in changes]


# Changes that bring new text a keyword alert looks at, and the alerts about the watch itself
# (which are reported whatever the keywords: the watch is broken).
ALERT_TEXT_KINDS = ("comment_added", "comment_edited", "article_edited")
ALWAYS_REPORTED = ("failing", "profile_mismatch")


def alert_text(change: Change) -> str | None:
    """The new text a keyword alert is matched against: a new comment's, an edited comment's or
    paragraph's new text."""
    if change.kind == "comment_added" and change.comment:
        return str(change.comment.get("text") or "")
    if change.kind == "comment_edited" and change.field == "text" and isinstance(change.new, str):
        return change.new
    if change.kind == "article_edited" and isinstance(change.new, str):
        return change.new
    return None


def alert_on(changes: list[Change], patterns: list[str] | None) -> list[Change]:
    """Keyword alerts (`--alert-on REGEX`): only the new or edited comments and paragraphs whose
    new text matches one of `patterns` notify, each marked with the patterns it matched; other
    changes are stored without notifying (failure and mismatch alerts still notify). No patterns:
    `changes` as they are. Patterns are matched case-insensitively; they were checked when given."""
    if not patterns:
        return changes
    import re

    compiled = [(p, re.compile(p, re.IGNORECASE)) for p in patterns]
    out = []
    for change in changes:
        text = alert_text(change)
        hits = [p for p, rx in compiled if text and rx.search(text)]
        if hits:
            out.append(change.model_copy(update={"alert": hits}))
        elif change.kind not in ALWAYS_REPORTED:
            out.append(change.model_copy(update={"notify": False}))
        else:
            out.append(change)
    return out


def summarise(changes: Iterable[Change]) -> str:
    """One line for a person (email subject, log line), e.g. "2 new comments, 1 comment edited".

    Summarises every change given; pass only the notifying ones if that is what should be told.
    Parts come in the order: failing, profile mismatch, new, edited and removed comments, article paragraphs,
    article fields.
    """
    by_kind: defaultdict[str, list[Change]] = defaultdict(list)
    for change in changes:
        by_kind[change.kind].append(change)
    parts = [
        *(f"failing: {c.checks} checks in a row failed" for c in by_kind["failing"]),
        *(f"profile '{c.profile}' matched nothing" for c in by_kind["profile_mismatch"]),
        *_count_part(len(by_kind["comment_added"]), "new comment", "new comments"),
        # One edited comment can yield several changes (one per field): count comments.
        *_count_part(
            len({c.comment_id for c in by_kind["comment_edited"]}),
            "comment edited",
            "comments edited",
        ),
        *_count_part(len(by_kind["comment_removed"]), "comment removed", "comments removed"),
        *_paragraph_parts(by_kind["article_edited"]),
        *_field_part(by_kind["article_changed"]),
    ]
    return ", ".join(parts) if parts else "no changes"


def _count_part(count: int, singular: str, plural: str) -> list[str]:
    if count == 0:
        return []
    return [f"{count} {singular if count == 1 else plural}"]


def _paragraph_parts(changes: list[Change]) -> list[str]:
    groups: dict[str, list[int]] = {"edited": [], "added": [], "removed": []}
    for change in changes:
        assert change.paragraph is not None  # set on every article_edited change
        verb = "added" if change.old is None else "removed" if change.new is None else "edited"
        groups[verb].append(change.paragraph)
    return [
        f"{_paragraph_list(positions)} of the article {verb}"
        for verb, positions in groups.items()
        if positions
    ]


def _paragraph_list(positions: list[int]) -> str:
    if len(positions) == 1:
        return f"paragraph {positions[0]}"
    if len(positions) > 3:
        return f"{len(positions)} paragraphs"  # a list of many numbers helps nobody in a subject
    return "paragraphs " + _join_words([str(p) for p in positions])


def _field_part(changes: list[Change]) -> list[str]:
    if not changes:
        return []
    return [f"article {_join_words([str(c.field) for c in changes])} changed"]


def _join_words(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
