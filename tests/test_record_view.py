"""The readable summary of a record: page text is shown as written, never interpreted."""

from __future__ import annotations

from rich.console import Console

from scraper.cli.record_view import render_record
from scraper.model.record import Article, Comment, Record


def shown(record: Record) -> str:
    console = Console(record=True, width=120, force_terminal=True)
    console.print(render_record(record))
    return console.export_text()


def test_summary_with_reply_tree_and_literal_page_text() -> None:
    record = Record(
        url="http://x/", final_url="http://x/", fetched_at="2026-11-27T00:00:00Z", profile="p",
        article=Article(title="[bold]Title[/bold]", author="Ann", text="One.\n\nTwo words.",
                        tags=["a", "b"], likes=3),
        comments=[
            Comment(id="1", author="Bob \x1b[2J", text="Hello [red]there[/red]"),
            Comment(id="2", parent_id="1", author="Cy", text="Reply."),
        ],
    )
    text = shown(record)
    assert "[bold]Title[/bold]" in text  # markup in a title is shown, not applied
    assert "by Ann · 3 likes" in text and "tags: a, b" in text
    assert "2 paragraphs, 3 words" in text
    assert "Bob \\x1b[2J" in text and "\x1b[2J" not in text  # no terminal control from a page
    assert "Hello [red]there[/red]" in text
    assert text.index("Cy") > text.index("Bob")  # the reply under its parent
    assert "2 comments" in text


def test_warnings_and_fields_from_elsewhere_are_shown() -> None:
    record = Record(
        url="http://x/", final_url="http://x/", fetched_at="2026-11-27T00:00:00Z", profile="p",
        article=Article(title="T", text="Body."), comments=[Comment(id="1", text="Hi")],
        sources={"title": "profile", "text": "fallback", "comments": "detected"},
        warnings=["the page says it has 15 comments; 1 were captured \x1b[2J"],
    )
    text = shown(record)
    assert "not from the profile: text fallback, comments detected" in text
    assert "partial: the page says it has 15 comments; 1 were captured \\x1b[2J" in text
