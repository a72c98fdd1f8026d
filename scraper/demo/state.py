"""The demo site's mutable content: one article, three comment threads, and the layout switch.

Everything a page shows comes from here. The values handed out are frozen dataclasses, so a
snapshot taken by a test can never change under it; mutations replace values under a lock.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

from scraper.demo import seed

# "article" is the seed page's thread (also shown by /framed/); /lazy/ and /infinite/ have their own.
THREADS: Final = ("article", "lazy", "infinite")


class InvalidInput(ValueError):
    """A value the site refuses (HTTP 400)."""


class UnknownComment(LookupError):
    """No comment has that id (HTTP 404)."""

    def __init__(self, comment_id: str) -> None:
        super().__init__(f"no comment with id {comment_id!r}")


@dataclass(frozen=True)
class Link:
    """A link inside a comment: the first occurrence of `text` is drawn as <a href>."""

    text: str
    href: str


@dataclass(frozen=True)
class Comment:
    id: str
    thread: str
    parent_id: str | None
    author: str
    author_url: str | None
    published: str
    text: str  # plain text; a blank line separates paragraphs
    links: tuple[Link, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "thread": self.thread, "parent_id": self.parent_id,
            "author": self.author, "author_url": self.author_url, "published": self.published,
            "text": self.text, "links": [{"text": k.text, "href": k.href} for k in self.links],
        }


@dataclass(frozen=True)
class Article:
    title: str
    author: str
    published: str
    caption: str
    paragraphs: tuple[str, ...]
    tags: tuple[str, ...]
    likes: int

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title, "author": self.author, "published": self.published,
            "caption": self.caption, "paragraphs": list(self.paragraphs), "tags": list(self.tags),
        }


@dataclass(frozen=True)
class SiteState:
    """A read-only snapshot of the whole site."""

    article: Article
    comments: tuple[Comment, ...] = ()  # every thread, in id order
    broken: bool = False

    def comment(self, comment_id: str) -> Comment:
        for c in self.comments:
            if c.id == comment_id:
                return c
        raise UnknownComment(comment_id)

    def thread(self, name: str = "article") -> tuple[Comment, ...]:
        """One thread in display order: each comment followed by its replies, siblings by id."""
        children: dict[str | None, list[Comment]] = defaultdict(list)
        for c in self.comments:  # id order, so every sibling list comes out sorted
            if c.thread == name:
                children[c.parent_id].append(c)
        ordered: list[Comment] = []
        stack = list(reversed(children[None]))
        while stack:  # iterative depth-first walk: no recursion limit on long reply chains
            c = stack.pop()
            ordered.append(c)
            stack.extend(reversed(children[c.id]))
        return tuple(ordered)


def default_published(comment_id: int) -> str:
    """A comment's date derived from its id alone (no wall clock): seed time + one minute per id."""
    base = datetime.fromisoformat(seed.FIRST_COMMENT_PUBLISHED)
    return (base + timedelta(minutes=comment_id - seed.FIRST_COMMENT_ID)).isoformat()


class DemoState:
    """The site's content behind a lock; every method is safe to call from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._article = _seed_article()
        self._comments: dict[str, Comment] = {}
        self._next_id = seed.FIRST_COMMENT_ID
        self._broken = False
        self.reset()

    def snapshot(self) -> SiteState:
        with self._lock:
            return SiteState(self._article, tuple(self._comments.values()), self._broken)

    def reset(self) -> None:
        with self._lock:
            self._article = _seed_article()
            self._comments = {}
            self._next_id = seed.FIRST_COMMENT_ID
            self._broken = False
            self._seed_comments()

    def add_comment(
        self, author: str, text: str, *, parent_id: str | None = None,
        published: str | None = None, thread: str | None = None, author_url: str | None = None,
    ) -> str:
        author, text = _nonblank("author", author), _nonblank("text", text)
        published = None if published is None else _iso_datetime(published)
        author_url = None if author_url is None else _http_url(author_url)
        with self._lock:
            thread = self._thread_for(parent_id, thread)
            return self._insert(author, text, parent_id, thread, published, author_url)

    def edit_comment(self, comment_id: str, text: str) -> None:
        text = _nonblank("text", text)
        with self._lock:
            self._comments[comment_id] = replace(self._get(comment_id), text=text)

    def delete_comment(self, comment_id: str) -> None:
        """Delete a comment; its replies move up a level, as WordPress does on a permanent delete."""
        with self._lock:
            gone = self._comments.pop(self._get(comment_id).id)
            for cid, c in self._comments.items():
                if c.parent_id == gone.id:
                    self._comments[cid] = replace(c, parent_id=gone.parent_id)

    def edit_paragraph(self, index: int, text: str) -> None:
        text = _nonblank("paragraph", text)
        with self._lock:
            paragraphs = list(self._article.paragraphs)
            if not 0 <= index < len(paragraphs):
                raise IndexError(f"paragraph index {index} out of range 0..{len(paragraphs) - 1}")
            paragraphs[index] = text
            self._article = replace(self._article, paragraphs=tuple(paragraphs))

    def update_article(
        self, *, title: str | None = None, paragraphs: list[str] | None = None,
        tags: list[str] | None = None, likes: int | None = None,
    ) -> None:
        """Replace the given fields; validate them all first so a bad one changes nothing."""
        changes: dict[str, Any] = {}
        if title is not None:
            changes["title"] = _string("title", title)
        if paragraphs is not None:
            changes["paragraphs"] = tuple(_nonblank("paragraph", p) for p in _list("paragraphs", paragraphs))
        if tags is not None:
            changes["tags"] = tuple(_nonblank("tag", t) for t in _list("tags", tags))
        if likes is not None:
            changes["likes"] = _count("likes", likes)
        with self._lock:
            self._article = replace(self._article, **changes)

    def set_broken(self, broken: bool) -> None:
        if not isinstance(broken, bool):
            raise InvalidInput(f"broken must be true or false, got {broken!r}")
        with self._lock:
            self._broken = broken

    # -- helpers; the caller holds the lock --

    def _get(self, comment_id: str) -> Comment:
        try:
            return self._comments[comment_id]
        except KeyError:
            raise UnknownComment(comment_id) from None

    def _thread_for(self, parent_id: str | None, thread: str | None) -> str:
        """A reply lives in its parent's thread; a top-level comment in the one named (default: article)."""
        if parent_id is None:
            if thread is not None and thread not in THREADS:
                raise InvalidInput(f"unknown thread {thread!r}; known threads: {', '.join(THREADS)}")
            return thread or "article"
        parent = self._get(parent_id)
        if thread is not None and thread != parent.thread:
            raise InvalidInput(f"comment {parent_id} is in thread {parent.thread!r}, not {thread!r}")
        return parent.thread

    def _insert(
        self, author: str, text: str, parent_id: str | None, thread: str,
        published: str | None, author_url: str | None, links: tuple[Link, ...] = (),
    ) -> str:
        number, self._next_id = self._next_id, self._next_id + 1
        cid = str(number)
        self._comments[cid] = Comment(
            id=cid, thread=thread, parent_id=parent_id, author=author, author_url=author_url,
            published=published or default_published(number), text=text, links=links,
        )
        return cid

    def _seed_comments(self) -> None:
        self._insert(
            seed.SEED_AUTHOR, seed.SEED_TEXT, None, "article", seed.FIRST_COMMENT_PUBLISHED,
            seed.SEED_AUTHOR_URL, (Link(seed.SEED_LINK_TEXT, seed.SEED_LINK_HREF),),
        )
        for thread in ("lazy", "infinite"):
            ids: list[str] = []
            for author, text, parent in seed.LONG_THREAD:
                parent_id = None if parent is None else ids[parent]
                ids.append(self._insert(author, text, parent_id, thread, None, None))


def _seed_article() -> Article:
    return Article(
        title=seed.TITLE, author=seed.AUTHOR, published=seed.PUBLISHED, caption=seed.CAPTION,
        paragraphs=seed.PARAGRAPHS, tags=seed.TAGS, likes=seed.LIKES,
    )


# -- validation: each raises InvalidInput naming the field, so a 400 says what to fix --

def _string(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string, got {type(value).__name__}")
    return value


def _nonblank(name: str, value: object) -> str:
    if not _string(name, value).strip():
        raise InvalidInput(f"{name} must not be empty")
    return str(value)


def _list(name: str, value: object) -> list[object]:
    if not isinstance(value, list | tuple):
        raise InvalidInput(f"{name} must be a list of strings, got {type(value).__name__}")
    return list(value)


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{name} must be a whole number >= 0, got {value!r}")
    return value


def _iso_datetime(value: object) -> str:
    text = _string("published", value)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"published must be ISO-8601, got {text!r}") from None
    if parsed.tzinfo is None:  # a browser would read it as local time: records would vary by host
        raise InvalidInput(f"published needs a UTC offset (e.g. +00:00), got {text!r}")
    return text


def _http_url(value: object) -> str:
    text = _string("author_url", value)
    if urlsplit(text).scheme not in ("http", "https"):
        raise InvalidInput(f"author_url must be an http(s) URL, got {text!r}")
    return text
