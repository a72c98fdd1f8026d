"""Pictures of changed items, for a watch with `screenshots`: the check hook.

The render records the items' boxes, and takes one full-page screenshot when the page drew
something the watch's last picture does not show (`scraper.browser.shots`). After the compare, a
check that reported changes keeps one crop per changed item: new and edited items from this
check's picture, removed ones from the watch's last picture (the check that last saw them). The
crops are stored once per distinct image (`store.crops`), named per check and item
(`scraper.reports.pictures.item_key`); a check without changes stores none. Its picture becomes
the watch's last one.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from loguru import logger
from PIL import Image, UnidentifiedImageError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from scraper import store
from scraper.browser import RenderOptions
from scraper.browser.shots import ItemShots
from scraper.model.record import Record
from scraper.reports.pictures import WIDTH, item_key
from scraper.store import Capture, Watch

MEDIA_TYPE = "image/png"
PAD = 12  # CSS pixels of the page kept around an item
MAX_HEIGHT = 900  # CSS pixels: a long comment is cut (its start is what a reader recognises)
NEEDLE = 160  # characters of an item's text enough to find its box


class Picture:
    """A full-page screenshot (JPEG, decoded when first cropped: spent only when an item is
    found in it) and its items' boxes."""

    def __init__(self, jpeg: bytes, boxes: dict[str, Any]) -> None:
        self.jpeg = jpeg
        self.boxes = boxes  # {"dpr":, "width":, "items": [{kind, x, y, w, h, id, text}]}

    @cached_property
    def image(self) -> Image.Image:
        image = Image.open(io.BytesIO(self.jpeg))
        image.load()
        return image


@dataclass(frozen=True)
class Wanted:
    item: str  # item_key
    kind: str  # "comment" or "paragraph"
    text: str  # what the item says (to find its box)
    ident: str | None  # the comment's id (its element's id often ends with it)
    old: bool  # from the last picture (a removed item)


class ItemPictures:
    """The artifact (`scraper.pipeline.hooks.Artifact`) of one check of a watch."""

    def __init__(self, watch_id: int, known: str | None) -> None:
        self.watch_id = watch_id
        self.shots = ItemShots(known)

    def render_options(self) -> RenderOptions:
        return RenderOptions(recorders=(self.shots,))

    def keep(self, record: Record, engine: Engine, check_id: int,
             within: Callable[[Session, Capture], None] | None = None) -> Path | None:
        """Store the crops of the check's changed items (its reports wait for them, and go when
        the check's other artifacts are kept: `within` is theirs). Never a bundle: None."""
        try:
            with Session(engine) as session:
                kept = self._keep(session, record, check_id)
                session.commit()
        except (SQLAlchemyError, OSError, ValueError, UnidentifiedImageError) as exc:
            logger.warning("check {}: the pictures of its items could not be kept: {}",
                           check_id, exc)
            return None
        logger.debug("check {}: {} pictures kept", check_id, kept)
        return None

    def drop(self) -> None:
        self.shots.image = None

    def _keep(self, session: Session, record: Record, check_id: int) -> int:
        shots = self.shots
        if shots.boxes is None:
            return 0
        last = store.last_screen(session, self.watch_id)
        previous = Picture(last.image, last.boxes) if last is not None else None
        if shots.image is not None:
            current: Picture | None = Picture(shots.image, shots.boxes)
        else:
            current = previous  # the page drew what the last picture shows
        changes = [row.data for row in store.changes_for_check(session, check_id)]
        crops: dict[str, tuple[str, list[int]]] = {}
        for wanted in wanted_items(changes, record):
            picture = previous if wanted.old else current
            if picture is None or wanted.item in crops:
                continue
            made = crop(picture, wanted)
            if made is not None:
                png, box = made
                crops[wanted.item] = (store.put_crop(session, png, MEDIA_TYPE), box)
        if crops:
            store.add_check_crops(session, check_id, crops)
        # A page that showed nothing (a consent wall, a redesign) never replaces the picture the
        # items removed meanwhile will be cropped from.
        if shots.image is not None and shots.signature is not None and not record.is_empty():
            store.keep_screen(session, self.watch_id, check_id, shots.signature, shots.image,
                              shots.boxes)
        return len(crops)


class Screenshots:
    """The check hook (`scraper.pipeline.hooks.CheckHook`): pictures for the watches that want
    them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def artifact(self, watch: Watch) -> ItemPictures | None:
        if not watch.screenshots:
            return None
        assert watch.id is not None
        with Session(self.engine) as session:
            last = store.last_screen(session, watch.id)
            known = last.signature if last is not None else None
        return ItemPictures(watch.id, known)


def wanted_items(changes: Sequence[Mapping[str, Any]], record: Record) -> list[Wanted]:
    """The items the changes are about, with the text to find each by."""
    comments = {c.key(): c for c in record.comments}
    paragraphs = record.article.paragraphs()
    wanted = []
    for change in changes:
        key = item_key(change)
        if key is None:
            continue
        kind = change["kind"]
        if kind in ("comment_added", "comment_removed"):
            comment = change.get("comment") or {}
            wanted.append(Wanted(key, "comment", comment.get("text") or "", comment.get("id"),
                                 old=kind == "comment_removed"))
        elif kind == "comment_edited":
            now = comments.get(change["comment_id"])
            text = now.text if now is not None else change.get("new")
            wanted.append(Wanted(key, "comment", str(text or ""), change["comment_id"], old=False))
        elif kind == "article_edited":
            position = int(change["paragraph"])
            gone = change.get("new") is None
            text = change.get("old") if gone else (
                paragraphs[position - 1] if position <= len(paragraphs) else change.get("new"))
            wanted.append(Wanted(key, "paragraph", str(text or ""), None, old=gone))
    return wanted


def find_box(boxes: Mapping[str, Any], wanted: Wanted) -> dict[str, Any] | None:
    """The smallest box of the item's kind that shows its text (a reply's box, not its parent's
    that holds it too); else the one whose element id ends with the comment's id."""
    items = [b for b in boxes.get("items", []) if b.get("kind") == wanted.kind]
    needle = " ".join(wanted.text.split())[:NEEDLE]
    found = [b for b in items if needle and needle in b.get("text", "")]
    if not found and wanted.ident:
        found = [b for b in items if b.get("id") and str(b["id"]).endswith(wanted.ident)]
    return min(found, key=lambda b: b["w"] * b["h"]) if found else None


def crop(picture: Picture, wanted: Wanted) -> tuple[bytes, list[int]] | None:
    """The item with a margin of the page around it, at most WIDTH pixels wide, as PNG; and
    where the item is in it ([left, top, width, height])."""
    box = find_box(picture.boxes, wanted)
    if box is None:
        return None
    dpr = float(picture.boxes.get("dpr") or 1)
    image = picture.image
    page_width = image.width / dpr
    # At least WIDTH CSS pixels of the page around a narrow item (the thread it sits in); an
    # item up to WIDTH wide loses its side margin rather than be scaled down (sharp text).
    side = PAD if box["w"] + 2 * PAD <= WIDTH else max(0.0, (WIDTH - box["w"]) / 2)
    width = max(box["w"] + 2 * side, min(WIDTH, page_width))
    left = min(max(0.0, box["x"] + box["w"] / 2 - width / 2), max(0.0, page_width - width))
    top = max(0.0, box["y"] - PAD)
    bottom = min(image.height / dpr, box["y"] + box["h"] + PAD, top + MAX_HEIGHT)
    if bottom <= top:
        return None
    region = tuple(round(v * dpr) for v in (left, top, min(left + width, page_width), bottom))
    part = image.crop(region)
    scale = min(1.0, WIDTH / part.width)
    if scale < 1.0:
        part = part.resize((WIDTH, max(1, round(part.height * scale))), Image.Resampling.LANCZOS)
    factor = dpr * scale
    inside = [round((box["x"] - left) * factor), round((box["y"] - top) * factor),
              round(box["w"] * factor), round(min(box["h"], bottom - box["y"]) * factor)]
    out = io.BytesIO()
    part.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue(), inside
