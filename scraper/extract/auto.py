"""Article fields from trafilatura, for pages no site profile describes (the `generic` profile)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AutoArticle:
    title: str | None = None
    author: str | None = None
    published: str | None = None
    text: str | None = None
    tags: list[str] = field(default_factory=list)


def auto_article(html: str, url: str) -> AutoArticle:
    import trafilatura  # heavy (lxml, justext, htmldate): loaded only for pages that need it

    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False,
        # Only dates the page states as such: a year in a sentence is not a publication date.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if doc is None:
        return AutoArticle()
    data = doc if isinstance(doc, dict) else doc.as_dict()
    paragraphs = [line.strip() for line in (data.get("text") or "").splitlines() if line.strip()]
    tags = [t.strip() for t in (data.get("tags") or []) if t and t.strip()]
    return AutoArticle(
        title=data.get("title") or None,
        # A byline's separator may come along ("Ingrid Solberg ·"): not part of the name.
        author=(data.get("author") or "").strip(" ·|•,;:–—-") or None,
        published=data.get("date") or None,
        text="\n\n".join(paragraphs) or None,
        tags=tags,
    )
