"""A change list drawn for a person at a terminal (rich).

Everything here that came from a page (comment text, authors, paragraphs, titles) is untrusted: it
is added with `Text.append`, never parsed as rich markup, so "[bold]" or ":smile:" in a comment is
shown as written; and terminal control characters (ESC sequences) are shown as escapes instead of
reaching the terminal.

With colour, a word diff shows deletions red and struck through and insertions green. Without colour
(output piped to a file, NO_COLOR) those styles vanish and "quick" + "slow" would read "quickslow",
so deletions and insertions are marked the way `git diff --word-diff` does: [-quick-]{+slow+}.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.text import Text

from scraper.base.terminal import safe
from scraper.model.changes import Change, FieldValue
from scraper.model.textdiff import Segment

ADDED = "green"
REMOVED = "red"
DELETED_WORDS = "red strike"
INSERTED_WORDS = "green"
EDITED = "yellow"
WARNING = "bold yellow"
FILTERED = "dim"
INDENT = 4



def render_changes(changes: list[Change]) -> RenderableType:
    """A renderable for `changes`, one block per change, in the order given."""
    return ChangesView(changes)


class ChangesView:
    """Renders at print time, because only then is it known whether the console has colour."""

    def __init__(self, changes: list[Change]) -> None:
        self.changes = changes

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        plain = console.no_color or console.color_system is None
        if not self.changes:
            yield Text("no changes", style=FILTERED)
            return
        for change in self.changes:
            yield _Block(change, plain).render()


class _Block:
    """One change: a header line, then an indented body."""

    def __init__(self, change: Change, plain: bool) -> None:
        self.change = change
        self.plain = plain
        # A filtered change is still shown (the reader may want to see it), but pushed back.
        self.base = FILTERED if not change.notify else ""

    def render(self) -> RenderableType:
        header = self._header()
        if not self.change.notify:
            header.append(" (filtered)")
        return Group(header, Padding(self._body(), (0, 0, 0, INDENT), expand=False))

    def _text(self) -> Text:
        return Text(style=self.base)

    def _header(self) -> Text:
        change, text = self.change, self._text()
        if change.kind in ("comment_added", "comment_removed"):
            added = change.kind == "comment_added"
            text.append(
                "+ new comment" if added else "- comment removed",
                style=f"bold {ADDED if added else REMOVED}",
            )
            _append_comment_meta(text, change.comment or {})
        elif change.kind == "comment_edited":
            text.append(f"~ comment {change.field} edited", style=f"bold {EDITED}")
            _append_comment_meta(text, {"id": change.comment_id, "author": change.author})
        elif change.kind == "article_edited":
            sign, verb, style = _paragraph_verb(change)
            text.append(f"{sign} paragraph {change.paragraph} of the article {verb}", style=f"bold {style}")
        elif change.kind == "article_changed":
            text.append(f"~ article {change.field} changed", style=f"bold {EDITED}")
        elif change.kind == "failing":
            text.append(f"! failing: {change.checks} checks in a row failed since {change.since}",
                        style=WARNING)
        else:  # profile_mismatch
            text.append(f"! profile '{safe(change.profile or '')}' matched nothing", style=WARNING)
        return text

    def _body(self) -> Text:
        change = self.change
        if change.kind in ("comment_added", "comment_removed"):
            style = ADDED if change.kind == "comment_added" else REMOVED
            return self._page_text(str((change.comment or {}).get("text") or ""), style)
        if change.kind == "profile_mismatch":
            return self._page_text(change.detail or "", "")
        if change.kind == "failing":
            return self._page_text(f"{change.error_kind}: {change.error or ''}", "")
        if change.diff is not None:
            return self._diff(change.diff)
        if change.kind == "article_edited":  # a whole paragraph added or removed
            added = change.old is None
            style = ADDED if added else REMOVED
            return self._page_text(str(change.new if added else change.old), style)
        return self._old_to_new(change.old, change.new)

    def _page_text(self, value: str, style: str) -> Text:
        text = self._text()
        text.append(safe(value), style=style)
        return text

    def _diff(self, diff: list[Segment]) -> Text:
        text = self._text()
        for op, part in diff:
            text.append_text(self._segment(op, safe(part)))
        return text

    def _segment(self, op: str, part: str) -> Text:
        if op == "=":
            return Text(part)
        if not self.plain:
            return Text(part, style=DELETED_WORDS if op == "-" else INSERTED_WORDS)
        opening, closing = ("[-", "-]") if op == "-" else ("{+", "+}")
        return Text(f"{opening}{part}{closing}")

    def _old_to_new(self, old: FieldValue, new: FieldValue) -> Text:
        text = self._text()
        text.append(_format_value(old), style=DELETED_WORDS if old is not None else FILTERED)
        text.append(" → ")
        text.append(_format_value(new), style=INSERTED_WORDS if new is not None else FILTERED)
        return text


def _paragraph_verb(change: Change) -> tuple[str, str, str]:
    if change.old is None:
        return "+", "added", ADDED
    if change.new is None:
        return "-", "removed", REMOVED
    return "~", "edited", EDITED


def _append_comment_meta(text: Text, comment: dict[str, object]) -> None:
    """Append ": AUTHOR · PUBLISHED · #ID · reply to #PARENT", skipping what is missing."""
    parts = [safe(part) for part in _comment_meta(comment)]
    if parts:
        text.append(": " + " · ".join(parts))


def _comment_meta(comment: dict[str, object]) -> Iterator[str]:
    for key, template in (
        ("author", "{}"),
        ("published", "{}"),
        ("id", "#{}"),
        ("parent_id", "reply to #{}"),
    ):
        value = comment.get(key)
        if value is not None:
            yield template.format(value)


def _format_value(value: FieldValue) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return safe(", ".join(value)) if value else "(none)"
    return safe(str(value))
