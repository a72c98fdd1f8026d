"""`scraper proof WATCH COMMENT`, the dashboard's proof page and the API: the signed bundles that
show one comment first seen, its text changed and gone, each verified now
(`scraper.evidence.proof`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from scraper import store
from scraper.base.errors import NotFound
from scraper.base.times import iso
from scraper.config.settings import Settings
from scraper.evidence import proof
from scraper.service.captures import trust
from scraper.service.checks import WatchRef
from scraper.store import Capture, Check


class ProofFact(BaseModel):
    event: Literal["first_seen", "text_changed", "gone"]
    check_id: int
    captured_at: str
    bundle: str  # the capture folder
    wacz: str
    package_hash: str
    verified: bool
    problems: list[str]
    text: str | None  # as archived; None: gone
    author: str | None


class Proof(BaseModel):
    """One comment's proof (`scraper proof --json`)."""

    watch: WatchRef
    comment_id: str
    ok: bool  # the comment was found in some bundle, and every bundle named verifies
    facts: list[ProofFact]
    exported: str | None = None  # proof.json, with --export


def _bundles(session: Session, watch_id: int) -> list[proof.Bundle]:
    rows = session.exec(
        select(Capture).join(Check, col(Check.id) == col(Capture.check_id))
        .where(Check.watch_id == watch_id).order_by(col(Capture.check_id))
    )
    return [proof.Bundle(check_id=c.check_id or 0, captured_at=iso(c.captured_at) or "",
                         path=Path(c.path), wacz=Path(c.wacz), package_hash=c.package_hash)
            for c in rows]


def prove(engine: Engine, settings: Settings, ref: str | int, comment: str, *,
          export: Path | None = None) -> Proof:
    """The proof of comment `comment` (its id, or its fingerprint) on watch `ref`; with
    `export`, also the bundles and a signed `proof.json` in that (new or empty) folder.
    NotFound when no bundle of the watch shows the comment."""
    with Session(engine) as session:
        watch = store.get_watch(session, str(ref))
        assert watch.id is not None
        bundles = _bundles(session, watch.id)
        ref_ = WatchRef(id=watch.id, name=watch.name)
    own, trusted = trust(settings)
    found = proof.facts(bundles, comment, own_keys=own, trusted=trusted)
    if not found:
        hint = "" if bundles else " (it keeps none: see --evidence-on-change)"
        raise NotFound(f"no evidence bundle of watch {watch.name} shows comment {comment}{hint}",
                       where="comment")
    exported = None
    if export is not None:
        exported = proof.export(export, ref_.model_dump(), comment, found, settings.keys_dir)
    facts = [ProofFact(event=f.event, check_id=f.bundle.check_id, captured_at=f.bundle.captured_at,
                       bundle=str(f.bundle.path), wacz=str(f.bundle.wacz),
                       package_hash=f.bundle.package_hash, verified=f.verified,
                       problems=f.problems, text=f.text, author=f.author) for f in found]
    return Proof(watch=ref_, comment_id=comment, ok=all(f.verified for f in found), facts=facts,
                 exported=str(exported) if exported else None)
