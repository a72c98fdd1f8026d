"""Per-field diagnosis for profile authors: which alternative matched, how often, what it gave."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any

from parsel import Selector

from scraper.extract import fields
from scraper.extract.comments.items import Item, members, own
from scraper.extract.core import parse
from scraper.model.page import PageContent
from scraper.profiles.schema import FieldSpec, Profile

SAMPLES = 3


@dataclass(frozen=True)
class Tried:
    selector: str
    matches: int


@dataclass(frozen=True)
class FieldReport:
    field: str
    tried: list[Tried] = dc_field(default_factory=list)  # alternatives in order, with match counts
    used: str | None = None  # the alternative that gave the value(s)
    values: list[str] = dc_field(default_factory=list)  # the first few values, after regex/type
    found_in: str | None = None  # for comment fields: "n of m comments"

    @property
    def ok(self) -> bool:
        return bool(self.values) or (self.found_in is not None and not self.found_in.startswith("0 "))

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def _probe(context: Selector, spec: FieldSpec, name: str, *, paragraphs: bool = False) -> FieldReport:
    tried = [Tried(expr, len(fields.select(context, expr))) for expr in spec.select]
    used = next((t.selector for t in tried if t.matches), None)
    found = fields.values(context, spec, keep_paragraphs=paragraphs)
    return FieldReport(name, tried, used, [str(v)[:200] for v in found[:SAMPLES]])


def explain(page: PageContent, profile: Profile) -> list[FieldReport]:
    doc = parse(page.html, profile.ignore)
    reports: list[FieldReport] = []
    for name in ("title", "author", "published", "text", "tags", "likes"):
        spec = getattr(profile.article, name)
        if spec is None:
            reports.append(FieldReport(f"article.{name}"))
        else:
            reports.append(_probe(doc, spec, f"article.{name}", paragraphs=name == "text"))
    if profile.comments is None:
        return reports
    spec = profile.comments
    source = doc
    if spec.frame is not None:
        source = parse(page.frames.get(spec.frame, "<html/>"), profile.ignore)
    items = [s for s in fields.select(source, spec.item) if not isinstance(s.root, str)]
    # Each item read without the items nested in it: a reply's author is counted once, as the
    # reply's, not again as its parent's.
    heads = [Item((s.root,)) for s in items]
    belongs = members(heads)
    parts = [Selector(root=own(head, belongs)) for head in heads]
    reports.append(FieldReport("comments.item", [Tried(spec.item, len(items))],
                               spec.item if items else None, found_in=f"{len(items)} comments"))
    for name in ("id", "author", "published", "text"):
        field_spec: FieldSpec | None = getattr(spec, name)
        if field_spec is None:
            reports.append(FieldReport(f"comments.{name}"))
            continue
        hits = [fields.values(part, field_spec, keep_paragraphs=name == "text") for part in parts]
        with_value = [h for h in hits if h]
        tried = [Tried(e, sum(len(fields.select(p, e)) for p in parts)) for e in field_spec.select]
        reports.append(FieldReport(
            f"comments.{name}", tried, next((t.selector for t in tried if t.matches), None),
            [str(h[0])[:200] for h in with_value[:SAMPLES]],
            found_in=f"{len(with_value)} of {len(items)} comments",
        ))
    return reports
