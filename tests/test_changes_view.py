"""The terminal view of a change list: exact text, colours, and page text shown as written."""

from __future__ import annotations

import io

import pytest
from rich.console import Console, RenderableType
from rich.style import Style

from scraper.cli.changes_view import render_changes
from scraper.model.changes import Change

REPLY = {"id": "3", "parent_id": "1", "author": "Cy", "published": "2026-11-02", "text": "Welcome."}
GONE = {"id": "2", "parent_id": None, "author": "Bob", "published": None, "text": "I disagree."}

ONE_OF_EACH = [
    Change(kind="article_changed", field="title", old="Vote delayed", new="Vote postponed"),
    Change(kind="article_changed", field="tags", old=["politics"], new=[]),
    Change(kind="article_changed", field="likes", old=None, new=12),
    Change(
        kind="article_edited",
        paragraph=2,
        old="Members disagreed.",
        new="Members agreed.",
        diff=[("=", "Members "), ("-", "disagreed."), ("+", "agreed.")],
    ),
    Change(kind="article_edited", paragraph=4, new="Update: new date."),
    Change(kind="article_edited", paragraph=5, old="Old ending."),
    Change(kind="comment_removed", comment=GONE),
    Change(
        kind="comment_edited",
        comment_id="1",
        author="Ann",
        field="text",
        old="First!",
        new="First post!",
        diff=[("=", "First"), ("-", "!"), ("+", " post!")],
    ),
    Change(
        kind="comment_edited",
        comment_id="1",
        author="Ann",
        field="published",
        old="2026-11-01",
        new="2026-11-02",
    ),
    Change(kind="comment_added", comment=REPLY),
    Change(
        kind="profile_mismatch",
        profile="wordpress",
        detail="profile 'wordpress' matched nothing on the page (last good check had 1 "
        "comment); keeping the last good record as the base",
    ),
]

# Without colour (the tests' console writes to no terminal), word diffs are marked [-…-]{+…+}.
ONE_OF_EACH_PLAIN = """\
~ article title changed
    Vote delayed → Vote postponed
~ article tags changed
    politics → (none)
~ article likes changed
    (none) → 12
~ paragraph 2 of the article edited
    Members [-disagreed.-]{+agreed.+}
+ paragraph 4 of the article added
    Update: new date.
- paragraph 5 of the article removed
    Old ending.
- comment removed: Bob · #2
    I disagree.
~ comment text edited: Ann · #1
    First[-!-]{+ post!+}
~ comment published edited: Ann · #1
    2026-11-01 → 2026-11-02
+ new comment: Cy · 2026-11-02 · #3 · reply to #1
    Welcome.
! profile 'wordpress' matched nothing
    profile 'wordpress' matched nothing on the page (last good check had 1 comment); keeping the
    last good record as the base
"""


def plain_text(renderable: RenderableType) -> str:
    console = Console(record=True, width=100, file=io.StringIO())
    console.print(renderable)
    # An indented body that wraps is padded to its widest line; those trailing spaces are layout.
    return "".join(line.rstrip() + "\n" for line in console.export_text().splitlines())


def colour_console() -> Console:
    return Console(record=True, width=100, file=io.StringIO(), force_terminal=True, color_system="truecolor")


def style_of(renderable: RenderableType, text: str) -> Style:
    """The style a colour terminal would draw `text` in (it must be one segment)."""
    console = colour_console()
    matches = [s.style for s in console.render(renderable) if s.text == text]
    assert len(matches) == 1, f"{text!r} drawn {len(matches)} times"
    assert matches[0] is not None
    return matches[0]


def test_every_kind_in_plain_text() -> None:
    assert plain_text(render_changes(ONE_OF_EACH)) == ONE_OF_EACH_PLAIN


def test_no_changes() -> None:
    assert plain_text(render_changes([])) == "no changes\n"


def test_no_color_console_gets_the_markers_too() -> None:
    console = Console(record=True, width=100, file=io.StringIO(), force_terminal=True, no_color=True)
    console.print(render_changes(ONE_OF_EACH[3:4]))
    assert "Members [-disagreed.-]{+agreed.+}" in console.export_text()


def test_with_colour_the_diff_is_drawn_not_marked() -> None:
    console = colour_console()
    console.print(render_changes(ONE_OF_EACH[3:4]))
    assert console.export_text() == ("~ paragraph 2 of the article edited\n    Members disagreed.agreed.\n")
    deleted = style_of(render_changes(ONE_OF_EACH[3:4]), "disagreed.")
    inserted = style_of(render_changes(ONE_OF_EACH[3:4]), "agreed.")
    assert (deleted.strike, deleted.color and deleted.color.name) == (True, "red")
    assert (bool(inserted.strike), inserted.color and inserted.color.name) == (False, "green")


@pytest.mark.parametrize(
    ("change", "text", "colour"),
    [
        (Change(kind="comment_added", comment=REPLY), "Welcome.", "green"),
        (Change(kind="comment_removed", comment=GONE), "I disagree.", "red"),
        (Change(kind="article_edited", paragraph=4, new="Update."), "Update.", "green"),
        (Change(kind="article_edited", paragraph=5, old="Old ending."), "Old ending.", "red"),
    ],
)
def test_added_green_removed_red(change: Change, text: str, colour: str) -> None:
    style = style_of(render_changes([change]), text)
    assert style.color is not None
    assert style.color.name == colour


def test_filtered_changes_are_dimmed_and_labelled() -> None:
    changes = [
        Change(kind="comment_added", comment=REPLY, notify=False),
        Change(kind="comment_removed", comment=GONE),
    ]
    assert plain_text(render_changes(changes)) == (
        "+ new comment: Cy · 2026-11-02 · #3 · reply to #1 (filtered)\n"
        "    Welcome.\n"
        "- comment removed: Bob · #2\n"
        "    I disagree.\n"
    )
    assert style_of(render_changes(changes), "Welcome.").dim is True
    assert not style_of(render_changes(changes), "I disagree.").dim


def test_page_text_is_shown_literally_not_as_markup() -> None:
    hostile = {
        "id": "9",
        "parent_id": None,
        "author": "[bold]Mallory[/bold]",
        "published": None,
        "text": "[red]x[/red] :smile: [link=https://evil.example]click[/link]",
    }
    diff_change = Change(
        kind="comment_edited",
        comment_id="9",
        author="[i]M[/i]",
        field="text",
        old="[red]a[/red]",
        new="[red]b[/red]",
        diff=[("-", "[red]a[/red]"), ("+", "[red]b[/red]")],
    )
    assert plain_text(render_changes([Change(kind="comment_added", comment=hostile), diff_change])) == (
        "+ new comment: [bold]Mallory[/bold] · #9\n"
        "    [red]x[/red] :smile: [link=https://evil.example]click[/link]\n"
        "~ comment text edited: [i]M[/i] · #9\n"
        "    [-[red]a[/red]-]{+[red]b[/red]+}\n"
    )


def test_terminal_control_sequences_from_the_page_are_neutralised() -> None:
    change = Change(
        kind="comment_added",
        comment={"author": "x\x1b]0;pwned\x07", "text": "clear\x1b[2J\x9bscreen"},
    )
    console = colour_console()
    console.print(render_changes([change]))
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[2J" not in output
    assert "\x1b]0;" not in output
    assert "\x9b" not in output
    assert console.export_text() == ("+ new comment: x\\x1b]0;pwned\\x07\n    clear\\x1b[2J\\x9bscreen\n")
