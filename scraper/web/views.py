"""Shapes the pages draw: a record's thread as a tree, stored changes as the detector's changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scraper.model.record import Comment, Record


@dataclass
class Node:
    comment: Comment
    replies: list[Node] = field(default_factory=list)


def thread(record: Record) -> list[Node]:
    """Comments nested under their parents, in page order (an unknown parent: top level)."""
    roots: list[Node] = []
    nodes: dict[str, Node] = {}
    for comment in record.comments:
        node = Node(comment)
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        (parent.replies if parent else roots).append(node)
        if comment.id:
            nodes[comment.id] = node
    return roots


def summary_status(watch: dict[str, Any]) -> str:
    """One word for the list's status column: paused, failing, ok, mismatch or new."""
    if watch["paused"]:
        return "paused"
    last = watch["last_check"]
    if last is None:
        return "new"
    return "failing" if last["status"] == "failed" else str(last["status"])
