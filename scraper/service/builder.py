"""The dashboard's profile builder: render a page once (as a check renders it), show it as a picture
with its elements' boxes, and turn what a person points at into a profile.

A render is kept on disk under the data folder (`builder/TOKEN/`: the picture, the numbered DOM, the
boxes), so each click re-reads it rather than the site; the picks travel with each request. The
proposals come from `scraper.suggest`, the engine of `scraper profile suggest`.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel

from scraper.base.errors import Conflict, InputError, NotFound
from scraper.config.settings import BUILTIN_PROFILES, Settings
from scraper.suggest.draft import short_form

if TYPE_CHECKING:
    from lxml import etree
    from parsel import Selector

    from scraper.browser import BrowserSession
    from scraper.browser.trace import Trace
    from scraper.model.page import PageContent
    from scraper.profiles.schema import FieldSpec

KEEP = 20  # renders kept; older ones go when a new one is made
FIELDS = ("article.title", "article.author", "article.published", "article.text",
          "comments.item", "comments.id", "comments.author", "comments.published", "comments.text")
FIRST_STEPS = ("article.text", "comments.item")  # what the builder asks for, in this order
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16}$")
MAX_SELECTOR = 500


class Area(BaseModel):
    x: int
    y: int
    width: int
    height: int
    depth: int = 0  # for comments: how deep a reply is


class FieldView(BaseModel):
    """One field of the draft: its selector (proposed, pointed at or typed), what it matches on the
    page, and where."""

    key: str
    selector: str | None
    options: str  # `type: datetime`, a regex…: what the selector comes with, as YAML
    how: str  # "proposed", "pointed at", "typed"
    typed: str  # what the person typed, to keep in the form
    matches: int
    values: list[str]
    areas: list[Area]


class CommentView(BaseModel):
    depth: int
    id: str | None
    author: str | None
    published: str | None
    text: str


class Proposal(BaseModel):
    token: str
    url: str
    final_url: str
    width: int
    height: int
    name: str
    yaml: str
    fields: list[FieldView]
    comments: list[CommentView]
    article_words: int
    warnings: list[str]
    notes: list[str]
    load: list[str]  # how the page loaded (the ready wait, each step), as rendered
    picks: dict[str, str]  # field → "@N" (an element pointed at) or a typed selector
    next_step: str | None  # the first of FIRST_STEPS not pointed at yet


class Saved(BaseModel):
    name: str
    path: str
    url: str


def _home(settings: Settings) -> Path:
    return settings.home / "builder"


def _folder(settings: Settings, token: str) -> Path:
    if not _TOKEN.match(token) or not (folder := _home(settings) / token).is_dir():
        raise NotFound("this page of the builder is gone (a newer one replaced it): start again")
    return folder


def open_page(session: BrowserSession, settings: Settings, url: str, deadline: float | None = None) -> str:
    """Render `url` as a check would (its profile's steps, waits and "load more"), keep the picture,
    the boxes and the DOM, and return the token that names them."""
    from scraper.base.urls import check_url
    from scraper.browser.layout import Layout
    from scraper.browser.render import DEFAULT_BLOCK, RenderOptions
    from scraper.pipeline.capture import render_url

    url = check_url(url)
    layout = Layout()
    # Images drawn (a person recognises the page by them); media and fonts never matter here.
    rendered = render_url(session, url, deadline=deadline,
                          options=RenderOptions(recorders=(layout,), block=DEFAULT_BLOCK))
    token = secrets.token_urlsafe(12)
    folder = _home(settings) / token
    folder.mkdir(parents=True)
    (folder / "page.png").write_bytes(layout.png)
    (folder / "page.html").write_text(layout.html, encoding="utf-8")
    (folder / "layout.json").write_text(json.dumps({
        "url": url, "final_url": rendered.page.final_url, "width": layout.width,
        "height": layout.height, "profile": rendered.profile.name, "load": _load_lines(rendered.trace),
        "boxes": {n: [b.x, b.y, b.width, b.height] for n, b in layout.boxes.items()}}), encoding="utf-8")
    _prune(settings, keep=token)
    return token


def _load_lines(trace: Trace) -> list[str]:
    """How the page loaded, for a person: the ready wait and each step."""
    lines = []
    if (ready := trace.ready) is not None:
        lines.append(f"ready wait ({ready.condition}): {'met' if ready.met else 'not met'} after "
                     f"{ready.seconds:.1f} s of {ready.budget:.0f} s")
    lines += [f"{step.kind} {step.target}: {step.outcome}" for step in trace.steps]
    return lines


def _prune(settings: Settings, keep: str) -> None:
    folders = sorted((p for p in _home(settings).iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in folders[:-KEEP]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def picture(settings: Settings, token: str) -> Path:
    return _folder(settings, token) / "page.png"


def _load(settings: Settings, token: str) -> tuple[dict[str, Any], PageContent]:
    from scraper.base.times import iso_now
    from scraper.model.page import PageContent

    folder = _folder(settings, token)
    layout = json.loads((folder / "layout.json").read_text(encoding="utf-8"))
    html = (folder / "page.html").read_text(encoding="utf-8")
    return layout, PageContent(url=layout["url"], final_url=layout["final_url"], fetched_at=iso_now(),
                               html=html)


def element_at(settings: Settings, token: str, x: float, y: float) -> int | None:
    """The innermost element drawn at (x, y) of the picture: the smallest box holding the point."""
    layout, _ = _load(settings, token)
    holding = [(w * h, int(n)) for n, (bx, by, w, h) in layout["boxes"].items()
               if bx <= x <= bx + w and by <= y <= by + h]
    return min(holding)[1] if holding else None


def _stamped(doc: Selector, number: int) -> etree._Element | None:
    from scraper.browser.layout import STAMP

    found = doc.root.xpath(f"//*[@{STAMP}='{number}']")
    return found[0] if found else None


def _picks(doc: Selector, picks: dict[str, str]) -> dict[str, etree._Element | str]:
    chosen: dict[str, etree._Element | str] = {}
    for key, value in picks.items():
        if key not in FIELDS or not value.strip():
            continue
        if len(value) > MAX_SELECTOR:
            raise InputError(f"{key}: a selector of at most {MAX_SELECTOR} characters")
        if value.startswith("@") and value[1:].isdigit():
            if (el := _stamped(doc, int(value[1:]))) is not None:
                chosen[key] = el
        else:
            chosen[key] = value.strip()
    return chosen


def _name_of(url: str, name: str | None) -> str:
    if name:
        if not NAME.match(name):
            raise InputError(f"name {name!r}: lower-case letters, digits, '.', '_' or '-' (at most 64), "
                             "starting with a letter or digit", where="name")
        return name
    host = urlsplit(url).hostname or "site"
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "site"


def _draft(settings: Settings, token: str, picks: dict[str, str],
           name: str | None) -> tuple[dict[str, Any], PageContent, Selector, Any, str]:
    from scraper.extract.core import parse
    from scraper.suggest import suggest
    from scraper.suggest.draft import IGNORE

    layout, page = _load(settings, token)
    doc = parse(page.html, IGNORE)
    profile_name = _name_of(page.final_url, name)
    host = urlsplit(page.final_url).netloc
    try:
        draft = suggest(page, profile_name, f"*://{host}/*", doc=doc, picked=_picks(doc, picks))
    except ValueError as exc:  # a typed selector no parser accepts
        raise InputError(f"selector: {exc}") from None
    return layout, page, doc, draft, profile_name


def _shortest(settings: Settings, page: PageContent, data: dict[str, Any], chosen: str,
              kept: set[str]) -> dict[str, Any]:
    """The draft as `extends:` the built-in profile the page was rendered with (the one whose
    detection or URLs took it) plus what differs from it, when that gives the same record on the
    page and is shorter (a theme that differs from WordPress in two selectors is written as those
    two); else the draft as it is. Another built-in profile is never tried (its waits and steps are
    for other pages), nor `generic` (whose fields are the fallbacks a draft is made to replace);
    `kept`: the fields a person pointed at or typed, always written."""
    from scraper.extract import extract
    from scraper.profiles.loader import resolve_data
    from scraper.profiles.schema import Profile

    def facts(profile: Profile) -> Any:
        record = extract(page, profile)
        a = record.article
        return (a.title, a.author, a.published, a.text,
                [(c.id, c.parent_id, c.author, c.published, c.text) for c in record.comments])

    def same(child: dict[str, Any]) -> bool:
        try:
            return bool(facts(resolve_data(child, settings.profile_dirs)) == wanted)
        except InputError:
            return False

    wanted = facts(Profile.model_validate(data))
    best = data
    builtin = chosen != "generic" and (BUILTIN_PROFILES / f"{chosen}.yaml").is_file()
    for base in [chosen] if builtin else []:
        child: dict[str, Any] = {"name": data["name"], "description": data["description"],
                                 "extends": base, "priority": data["priority"], "match": data["match"],
                                 **{k: dict(data[k]) for k in ("article", "comments") if k in data}}
        if not same(child):
            continue
        # Each field the base reads as well on this page is left to the base.
        for section in ("article", "comments"):
            for key in [k for k in child.get(section, {}) if f"{section}.{k}" not in kept]:
                trial = {**child, section: {k: v for k, v in child[section].items() if k != key}}
                if same(trial):
                    child = trial
            if section in child and not child[section]:
                del child[section]
        if len(yaml.safe_dump(child)) < len(yaml.safe_dump(best)):
            best = child
    return best


def _areas(doc: Selector, layout: dict[str, Any], elements: list[etree._Element],
           depths: dict[etree._Element, int] | None = None) -> list[Area]:
    from scraper.browser.layout import STAMP

    boxes = layout["boxes"]
    areas = []
    for el in elements:
        number = el.get(STAMP)
        if number is not None and number in boxes:
            x, y, w, h = boxes[number]
            areas.append(Area(x=x, y=y, width=w, height=h, depth=(depths or {}).get(el, 0)))
    return areas


def _elements(context: Selector, select: str) -> list[etree._Element]:
    """The elements a selector reads from (`span.when::attr(title)` reads from `span.when`)."""
    from scraper.extract import fields

    bare = re.sub(r"::(attr\([^)]*\)|text)$", "", select.strip())
    if select.startswith("xpath:"):
        bare = re.sub(r"/(@[\w:-]+|text\(\))$", "", select)
    if bare in ("", "xpath:."):
        return [context.root]
    try:
        return [s.root for s in fields.select(context, bare) if not isinstance(s.root, str)]
    except ValueError:
        return []


def _parts(items: list[etree._Element]) -> list[Selector]:
    """Each comment without the comments nested in it (a reply's author is not its parent's)."""
    from parsel import Selector

    from scraper.extract.comments.items import Item, members, own

    heads = [Item((el,)) for el in items]
    belongs = members(heads)
    return [Selector(root=own(head, belongs)) for head in heads]


def propose(settings: Settings, token: str, picks: dict[str, str], name: str | None = None) -> Proposal:
    """The draft for what has been pointed at so far, each field with its matches on the page."""
    from scraper.extract import extract, fields
    from scraper.profiles.schema import Profile
    from scraper.suggest.selectors import spec as field_spec

    layout, page, doc, draft, profile_name = _draft(settings, token, picks, name)
    try:
        profile = Profile.model_validate(draft.profile)
    except ValueError as exc:
        raise InputError(f"the draft is not a valid profile: {exc}") from None
    record = extract(page, profile)
    views: list[FieldView] = []
    comments = draft.profile.get("comments") or {}
    items = _elements(doc, comments["item"]) if comments.get("item") else []
    depths = {el: sum(1 for a in el.iterancestors() if a in set(items)) for el in items}
    for key in FIELDS:
        section, _, field = key.partition(".")
        value = (draft.profile["article"] if section == "article" else comments).get(field)
        select, options = (value, {}) if isinstance(value, str) else (
            (value or {}).get("select"), {k: v for k, v in (value or {}).items() if k != "select"})
        pick = picks.get(key, "")
        how = "typed" if pick and not pick.startswith("@") else "pointed at" if pick else "proposed"
        view = FieldView(key=key, selector=select, options=yaml.safe_dump(options).strip() if options else "",
                         how=how, typed=pick if how == "typed" else "", matches=0, values=[], areas=[])
        if select:
            spec: FieldSpec = field_spec(select, **options)
            if key == "comments.id":
                view.matches = len(items)  # read from each comment's own element: boxed already
            elif key == "comments.item":
                view.matches, view.areas = len(items), _areas(doc, layout, items, depths)
            elif section == "article":
                found = _elements(doc, select)
                view.matches, view.areas = len(found), _areas(doc, layout, found)
                view.values = [str(v)[:200] for v in fields.values(doc, spec, keep_paragraphs=True)[:3]]
            else:
                found = [el for part in _parts(items) for el in _elements(part, select)]
                view.matches, view.areas = len(found), _areas(doc, layout, found)
                view.values = [str(getattr(c, "text" if field == "text" else field) or "")[:200]
                               for c in record.comments[:3]]
        views.append(view)
    depth_of: dict[str | None, int] = {}
    listed = []
    for c in record.comments:
        depth = depth_of.get(c.parent_id, -1) + 1 if c.parent_id else 0
        depth_of[c.id] = depth
        listed.append(CommentView(depth=depth, id=c.id, author=c.author, published=c.published,
                                  text=c.text or ""))
    shortest = _shortest(settings, page, draft.profile, layout["profile"], set(picks))
    text = yaml.safe_dump(short_form(shortest), sort_keys=False, allow_unicode=True, width=200)
    return Proposal(
        token=token, url=page.url, final_url=page.final_url, width=layout["width"],
        height=layout["height"], name=profile_name, yaml=text, fields=views, comments=listed,
        article_words=len((record.article.text or "").split()), warnings=list(record.warnings),
        notes=draft.notes, load=layout.get("load", []),
        picks={k: v for k, v in picks.items() if k in FIELDS and v},
        next_step=next((s for s in FIRST_STEPS if not picks.get(s)), None))


def save(settings: Settings, token: str, picks: dict[str, str], name: str) -> Saved:
    """Write the draft as NAME.yaml in the user's profile folder (the last of SCRAPER_PROFILES, else
    the data folder's `profiles/`); a built-in profile's name or an existing file is not replaced."""
    from scraper.profiles import load_profiles
    from scraper.profiles.schema import Profile

    if not name:
        raise InputError("name: give the profile a name (lower-case letters, digits, '.', '_', '-')",
                         where="name")
    layout, page, _, draft, profile_name = _draft(settings, token, picks, name)
    Profile.model_validate(draft.profile)
    shortest = _shortest(settings, page, draft.profile, layout["profile"], set(picks))
    folder = settings.saved_profiles
    target = folder / f"{profile_name}.yaml"
    if profile_name in load_profiles([BUILTIN_PROFILES]):
        raise Conflict(f"name {profile_name!r}: a built-in profile has it; choose another", where="name")
    text = yaml.safe_dump(short_form(shortest), sort_keys=False, allow_unicode=True, width=200)
    header = f"# Made with the dashboard's profile builder from {page.final_url}.\n"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8") as file:  # never over a file (or a link) there
            file.write(header + text)
    except FileExistsError:
        raise Conflict(f"{target} exists already: choose another name", where="name") from None
    return Saved(name=profile_name, path=str(target), url=page.url)
