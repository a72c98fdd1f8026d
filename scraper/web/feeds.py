"""Atom feeds of changes (feedgen): one entry per check that found changes, for one watch or all.

Each entry's content is the changes drawn as on the dashboard (HTML, every piece of page text
escaped by the templates), carried as escaped text in the XML by feedgen: a feed reader shows a
comment's `<script>` as the text it is.
"""

from __future__ import annotations

from collections import OrderedDict

from fastapi import APIRouter, Depends, Request, Response
from feedgen.feed import FeedGenerator

from scraper.model.changes import Change as Found
from scraper.model.changes import summarise
from scraper.service.checks import ChangeRow, changes, picture
from scraper.web.common import ctx_of
from scraper.web.security import Unauthorized, require_admin, require_token

router = APIRouter(tags=["feeds"])
ENTRIES = 200  # changes read per feed (grouped into one entry per check)
ATOM = "application/atom+xml; charset=utf-8"


def feed_access(request: Request) -> None:
    """A feed reader sends a bearer token; a browser the admin session (or nothing on loopback)."""
    if request.headers.get("authorization"):
        require_token(request)
        return
    try:
        require_admin(request)
    except Unauthorized:
        raise Unauthorized("a bearer token or a login is needed for this feed", "Authorization") from None


def base_url(request: Request) -> str:
    return ctx_of(request).settings.base_url or str(request.base_url).rstrip("/")


def _grouped(items: list[ChangeRow]) -> OrderedDict[int, list[ChangeRow]]:
    by_check: OrderedDict[int, list[ChangeRow]] = OrderedDict()
    for item in items:
        by_check.setdefault(item.check_id, []).append(item)
    return by_check


def _feed(request: Request, items: list[ChangeRow], title: str, self_path: str) -> Response:
    base = base_url(request)
    gen = FeedGenerator()
    gen.id(f"{base}{self_path}")
    gen.title(title)
    gen.link(href=f"{base}{self_path}", rel="self")
    gen.link(href=f"{base}/", rel="alternate")
    gen.generator("scraper")
    gen.updated(items[0].at if items else "1970-01-01T00:00:00Z")
    env = ctx_of(request).env
    # feedgen writes entries in reverse order of adding: add the oldest first.
    for check_id, group in reversed(_grouped(items).items()):
        first = group[0]
        found_changes: list[Found] = [item.found() for item in group]
        shots = [f"{base}/pictures/{item.picture}" if item.picture else None for item in group]
        link = f"{base}/watches/{first.watch_id}/checks/{check_id}"
        entry = gen.add_entry()
        entry.id(link)
        entry.title(f"{first.watch}: {summarise(found_changes)}")
        entry.link(href=link)
        entry.updated(first.at)
        shown = zip(found_changes, shots, strict=True)
        entry.content(env.get_template("feed_entry.html").render(changes=shown), type="html")
    return Response(gen.atom_str(pretty=True), media_type=ATOM)


@router.get("/feeds/changes.atom", dependencies=[Depends(feed_access)])
def all_changes(request: Request) -> Response:
    return _feed(request, changes(ctx_of(request).engine, None, limit=ENTRIES).items,
                 "scraper: all changes", "/feeds/changes.atom")


@router.get("/feeds/watches/{ref}.atom", dependencies=[Depends(feed_access)])
def watch_changes(request: Request, ref: str) -> Response:
    found = changes(ctx_of(request).engine, ref, limit=ENTRIES)
    assert found.watch is not None
    return _feed(request, found.items, f"scraper: {found.watch.name}",
                 f"/feeds/watches/{found.watch.id}.atom")


@router.get("/pictures/{digest}", dependencies=[Depends(feed_access)])
def picture_file(request: Request, digest: str) -> Response:
    """A changed item's picture: for the dashboard (its login) and feed readers (their token)."""
    found = picture(ctx_of(request).engine, digest)
    return Response(found.content, media_type=found.media_type,
                    headers={"Cache-Control": "private, max-age=86400"})
