"""A record as a person reads it in a terminal: article summary, then the comment tree."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from scraper.base.terminal import safe
from scraper.model.record import Comment, Record

PREVIEW = 160


def _short(text: str | None, limit: int = PREVIEW) -> str:
    flat = safe(" ".join((text or "").split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _comment_line(c: Comment, full: bool) -> Text:
    line = Text()
    line.append(safe(c.author or "(no author)"), style="bold")
    if c.published:
        line.append(f" · {safe(c.published)}", style="dim")
    if c.id:
        line.append(f" · #{safe(c.id)}", style="dim")
    line.append("\n")
    line.append(safe(c.text or "") if full else _short(c.text))
    return line


def render_record(record: Record, *, full: bool = False) -> RenderableType:
    """The article's head, then its text (the first paragraph, or with `full` all of it), then the
    comment tree (each comment's start, or with `full` all of it)."""
    a = record.article
    head = Text()
    head.append(safe(a.title or "(no title)"), style="bold underline")
    head.append("\n")
    meta = [m for m in (a.author and f"by {a.author}", a.published,
                        a.likes is not None and f"{a.likes} likes") if m]
    if meta:
        head.append(safe(" · ".join(str(m) for m in meta)) + "\n")
    if a.tags:
        head.append("tags: ", style="dim")
        head.append(safe(", ".join(a.tags)) + "\n")
    paragraphs = a.paragraphs()
    words = sum(len(p.split()) for p in paragraphs)
    head.append(f"{len(paragraphs)} paragraphs, {words} words", style="dim")
    head.append(f" · profile {record.profile} · {record.fetched_at}\n", style="dim")
    guessed = [f"{field} {source}" for field, source in record.sources.items() if source != "profile"]
    if guessed:  # fields the profile's selectors did not give: say where they came from
        head.append(f"not from the profile: {', '.join(guessed)}\n", style="dim")
    for warning in record.warnings:
        head.append("partial: ", style="bold yellow")
        head.append(safe(warning) + "\n")
    if full:
        head.append("\n" + "\n\n".join(safe(p) for p in paragraphs) + "\n\n")
    elif paragraphs:
        head.append(_short(paragraphs[0], 300) + "\n")
        if len(paragraphs) > 1:
            more = len(paragraphs) - 1
            head.append(f"… {more} more paragraph{'s' if more > 1 else ''} (--full shows the whole "
                        "article)\n", style="dim")

    count = len(record.comments)
    tree = Tree(Text(f"{count} comment{'s' if count != 1 else ''}", style="bold"))
    nodes: dict[str, Tree] = {}
    for comment in record.comments:
        parent = nodes.get(comment.parent_id or "", tree) if comment.parent_id else tree
        node = parent.add(_comment_line(comment, full))
        if comment.id:
            nodes[comment.id] = node
    return Group(head, tree)
