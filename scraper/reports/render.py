"""Render a report into a subject, a plain-text part and an HTML part.

Pure: a `Report` and the templates in, strings out. The templates ship in `templates/`; a folder
given as `templates` (SCRAPER_TEMPLATES) is searched first, so a user overrides a file by giving
one of the same name. HTML autoescaping is on, and every page-derived value goes through a filter
that escapes or defuses it; the stylesheet is inlined (css-inline) so Gmail and Outlook keep it,
while its dark-mode `@media` rules stay in a <style> element for the clients that honour them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import css_inline
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from scraper.base.terminal import safe
from scraper.reports import mute, sections
from scraper.reports.pictures import chosen, item_key
from scraper.reports.report import Report, ReportItem, one_line, subject, summary

HTML_TEMPLATE = "report.html.j2"
TEXT_TEMPLATE = "report.txt.j2"
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


@dataclass(frozen=True)
class Picture:
    """A picture of a changed item (`scraper.reports.pictures`), as the store keeps it."""

    media_type: str
    content: bytes

    @property
    def cid(self) -> str:
        return hashlib.sha256(self.content).hexdigest()[:24] + "@scraper"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    # The pictures the HTML shows (as cid: references), in report order: what an email attaches.
    pictures: tuple[Picture, ...] = field(default=())


def render(report: Report, templates: Path | None = None, dashboard: str | None = None,
           pictures: Mapping[tuple[int, str], Picture] | None = None,
           mute_key: bytes | None = None) -> Rendered:
    """The report's subject, text and HTML. `dashboard` (SCRAPER_BASE_URL): each check links to
    its page there, and with `mute_key` each watch to its mute link (`scraper.reports.mute`).
    `pictures`: (check id, item key) -> the changed item's picture; as many as fit in one report
    are shown, the rest counted ("N more on the dashboard")."""
    env = environment(str(templates) if templates else None)
    title = subject(report)
    pictures = pictures or {}
    wanted = [pictures[(item.check_id, key)] for item in report.items if item.check_id is not None
              for key in map(item_key, item.changes)
              if key is not None and (item.check_id, key) in pictures]
    shown, left = chosen((p.cid, len(p.content)) for p in wanted)

    def picture(item: ReportItem, key: str | None) -> str | None:
        found = pictures.get((item.check_id or 0, key or ""))
        return found.cid if found is not None and found.cid in shown else None

    def pictures_of(item: ReportItem) -> int:
        keys = {k for k in map(item_key, item.changes) if k is not None}
        return sum(1 for k in keys if picture(item, k) is not None)

    items = [(item, sections.build(item)) for item in report.items]
    context = {
        "report": report,
        "subject": title,
        "summary": one_line(summary(report.changes())),
        "items": items,
        "dashboard": dashboard,
        "picture": picture,
        "pictures_of": pictures_of,
        "pictures_left": left,
        "words": any(s.word_changes for _, s in items),  # the footer explains the word marks
        "mute": lambda item: mute.link(dashboard, mute_key, item.watch_id)
        if dashboard and mute_key and item.watch_id else None,
    }
    html = env.get_template(HTML_TEMPLATE).render(context)
    text = env.get_template(TEXT_TEMPLATE).render(context)
    attached = tuple({p.cid: p for p in wanted if p.cid in shown}.values())
    return Rendered(subject=title, text=text.strip() + "\n", html=_INLINER.inline(html),
                    pictures=attached)


@lru_cache(maxsize=4)
def environment(templates: str | None) -> Environment:
    loaders: list[FileSystemLoader | PackageLoader] = [PackageLoader("scraper.reports", "templates")]
    if templates:
        loaders.insert(0, FileSystemLoader(templates))
    env = Environment(
        loader=ChoiceLoader(loaders),
        # The HTML templates escape every value; the text ones must not (they would show &lt;).
        autoescape=lambda name: name is not None and (name.endswith((".html.j2", ".html"))),
        undefined=StrictUndefined,  # a typo in a user's template fails, it does not print blanks
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        one_line=one_line, text=page_text, paragraphs=html_paragraphs, diff_text=diff_text,
        diff_html=diff_html, when=sections.when, marked_text=marked_text, marked_html=marked_html,
    )
    return env


def page_text(value: object) -> str:
    """Page text for the plain-text part: line breaks kept, control characters shown as escapes."""
    return safe(str(value or "").replace("\r\n", "\n"))


def _html_lines(value: str) -> Markup:
    return Markup("<br>").join(escape(line) for line in page_text(value).split("\n"))


def html_paragraphs(value: object) -> Markup:
    """Escaped text as <p> per paragraph (blank-line separated), <br> for the line breaks inside."""
    parts = [p for p in page_text(value).split("\n\n") if p.strip()] or [""]
    return Markup("").join(Markup('<p class="para">{}</p>').format(_html_lines(p)) for p in parts)


def diff_text(diff: Iterable[tuple[str, str]]) -> str:
    """A word diff the way `git diff --word-diff` shows it: [-removed-]{+inserted+}."""
    marks = {"-": ("[-", "-]"), "+": ("{+", "+}")}
    out = []
    for op, text in diff:
        opening, closing = marks.get(op, ("", ""))
        out.append(f"{opening}{page_text(text)}{closing}")
    return "".join(out)


def diff_html(diff: Iterable[tuple[str, str]]) -> Markup:
    tags = {"-": Markup('<del class="del">{}</del>'), "+": Markup('<ins class="ins">{}</ins>')}
    out = Markup("")
    for op, text in diff:
        body = _html_lines(text)
        out += tags[op].format(body) if op in tags else body
    return out


def marked_text(segments: Iterable[tuple[str, str]]) -> str:
    """A keyword alert's excerpt, its hits between >> and <<."""
    return "".join(f">>{page_text(t)}<<" if op == "!" else page_text(t) for op, t in segments)


def marked_html(segments: Iterable[tuple[str, str]]) -> Markup:
    """The same, its hits in <mark> (the text escaped)."""
    out = Markup("")
    for op, text in segments:
        body = _html_lines(text)
        out += Markup('<mark class="hit">{}</mark>').format(body) if op == "!" else body
    return out
