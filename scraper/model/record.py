"""The record: what one capture of a page says, as stable, documented JSON.

Pure data. Every later stage (change detection, storage, reports, evidence) reads this shape, so its
keys are part of the public interface: add keys only with a version bump, never rename.

`warnings` and `sources` say how this capture went (a thread that may be partial, which step of the
fallback chain produced each field); they are not what the page says, so they stay out of the
content hash and change detection never compares them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scraper.base.unicode import well_formed

# Which step of the extraction chain produced a field (see `Record.sources`).
Source = Literal["profile", "structured", "fallback", "detected"]


def _well_formed(value: Any) -> Any:
    """Every string of a field encodable (no lone surrogates), whatever produced it: a record is
    stored, hashed, mailed and signed, and each of those would fail on one."""
    if isinstance(value, str):
        return well_formed(value)
    if isinstance(value, list):
        return [well_formed(v) if isinstance(v, str) else v for v in value]
    return value


class Article(BaseModel):
    model_config = ConfigDict(extra="forbid")
    _text = field_validator("*", mode="before")(_well_formed)

    title: str | None = None
    author: str | None = None
    published: str | None = None
    # Paragraphs are kept apart, joined by a blank line ("\n\n"), so edits can be reported per paragraph.
    text: str | None = None
    tags: list[str] = Field(default_factory=list)
    likes: int | None = None

    def paragraphs(self) -> list[str]:
        return [p for p in (self.text or "").split("\n\n") if p]


class Comment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    _text = field_validator("*", mode="before")(_well_formed)

    id: str | None = None
    parent_id: str | None = None
    author: str | None = None
    published: str | None = None
    text: str | None = None

    def fingerprint(self) -> str:
        """Identity for comments the site gives no id: stable under reordering, not under edits."""
        raw = "\x1f".join([self.author or "", self.published or "", self.text or ""])
        return "fp:" + hashlib.sha256(raw.encode()).hexdigest()[:16]

    def key(self) -> str:
        return self.id if self.id is not None else self.fingerprint()


# How the warning about an empty article begins (scraper.extract.core.empty_article).
ARTICLE_EMPTY = "the article is empty"


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")
    _text = field_validator("*", mode="before")(_well_formed)

    url: str
    final_url: str
    fetched_at: str  # UTC ISO-8601, e.g. 2026-11-27T11:42:30Z
    profile: str
    article: Article = Field(default_factory=Article)
    comments: list[Comment] = Field(default_factory=list)
    # Field name ("title", "author", "published", "text", "tags", "likes", "comments") -> the step
    # that produced it; fields that stayed empty are absent.
    sources: dict[str, Source] = Field(default_factory=dict)
    # Why this capture may be incomplete ("the page says 15 comments; 5 found"). Any warning makes
    # the capture partial: comments it lacks are unknown, never reported as removed.
    warnings: list[str] = Field(default_factory=list)

    @property
    def partial(self) -> bool:
        # An empty article says nothing of the thread: the comments it came with are whole.
        return any(not w.startswith(ARTICLE_EMPTY) for w in self.warnings)

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def content_json(self) -> str:
        """What the page says (article and comments), as canonical JSON: not when or where it was
        fetched, so equal content gives equal text."""
        body = {"article": self.article.model_dump(mode="json"),
                "comments": [c.model_dump(mode="json") for c in self.comments]}
        return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def content_hash(self) -> str:
        return hashlib.sha256(self.content_json().encode()).hexdigest()

    def is_empty(self) -> bool:
        """True when extraction found nothing at all: the sign of a redesign or a consent wall."""
        a = self.article
        return not (a.title or a.text or a.tags or a.author or self.comments)
