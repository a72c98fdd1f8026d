"""Pictures of changed items: crops stored once per distinct image, which check and item each
shows, and each watch's last screenshot (where a removed item's picture comes from)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, exists
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, insert, select

from .models import CheckCrop, Crop, Screen

_CHUNK = 500


def put_crop(session: Session, content: bytes, media_type: str) -> str:
    """Store the image unless it is stored already; its hash."""
    digest = hashlib.sha256(content).hexdigest()
    if session.get(Crop, digest) is None:
        row = {"hash": digest, "media_type": media_type, "content": content,
               "created_at": datetime.now(UTC)}
        # Two watches' checks may crop the same image at once: the loser's insert is a no-op.
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            session.exec(postgresql.insert(Crop).values(row).on_conflict_do_nothing(
                index_elements=["hash"]))
        elif dialect == "sqlite":
            session.exec(sqlite.insert(Crop).values(row).on_conflict_do_nothing(
                index_elements=["hash"]))
        else:
            session.exec(insert(Crop).values(row))
    return digest


def add_check_crops(session: Session, check_id: int,
                    crops: Mapping[str, tuple[str, list[int]]]) -> None:
    """Name the crop (by hash, with the item's box in it) that shows each changed item."""
    session.add_all(CheckCrop(check_id=check_id, item=item, crop_hash=digest, box=box)
                    for item, (digest, box) in crops.items())
    session.flush()


def crops_for_checks(session: Session, check_ids: Iterable[int]) -> dict[int, dict[str, CheckCrop]]:
    """check id -> item -> its crop row, for the checks that have crops."""
    ids = sorted(set(check_ids))
    found: dict[int, dict[str, CheckCrop]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.exec(select(CheckCrop).where(col(CheckCrop.check_id).in_(ids[start:start + _CHUNK])))
        for row in rows:
            found.setdefault(row.check_id, {})[row.item] = row
    return found


def get_crop(session: Session, digest: str) -> Crop | None:
    return session.get(Crop, digest)


def last_screen(session: Session, watch_id: int) -> Screen | None:
    return session.get(Screen, watch_id)


def keep_screen(session: Session, watch_id: int, check_id: int, signature: str, image: bytes,
                boxes: dict[str, Any]) -> None:
    """Replace the watch's last screenshot."""
    screen = session.get(Screen, watch_id) or Screen(watch_id=watch_id, signature="", image=b"")
    screen.check_id, screen.signature, screen.image, screen.boxes = check_id, signature, image, boxes
    screen.taken_at = datetime.now(UTC)
    session.add(screen)
    session.flush()


def forget_crops(session: Session, check_ids: Iterable[int], watch_id: int | None = None) -> None:
    """Delete the crops of these checks (and the watch's last screenshot): the images no other
    check shows go too. Called wherever checks are deleted."""
    ids = sorted(set(check_ids))
    hashes: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        hashes |= set(session.exec(select(CheckCrop.crop_hash).where(col(CheckCrop.check_id).in_(chunk))))
        session.exec(delete(CheckCrop).where(col(CheckCrop.check_id).in_(chunk)))
    if watch_id is not None:
        session.exec(delete(Screen).where(col(Screen.watch_id) == watch_id))
    used = exists().where(col(CheckCrop.crop_hash) == col(Crop.hash))
    pending = sorted(hashes)
    for start in range(0, len(pending), _CHUNK):
        session.exec(delete(Crop).where(col(Crop.hash).in_(pending[start:start + _CHUNK]), ~used))
    session.flush()
