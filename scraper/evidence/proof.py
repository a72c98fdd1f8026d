"""Proof that a comment was there: which signed bundles of a watch show it first, show its text
change, and first show it gone, each verified on the spot (`scraper.evidence.verify`).

A watch with `evidence_on_change` keeps a bundle of its baseline and of every check that reported
changes, so every comment it ever reported is in some bundle, and its removal in the next one. The
facts are read from the bundles themselves (each one's `record.json`, which `verify` checks against
its copy in the signed package), not from the database: what is proved is what was archived.
`export` copies those bundles into one folder with `proof.json`, a summary signed with this
installation's evidence key.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from scraper.base.errors import InputError
from scraper.base.times import iso_now
from scraper.evidence import signing
from scraper.evidence.recording import RECORD_FILE, software
from scraper.evidence.verify import verify
from scraper.model.record import Comment

Event = Literal["first_seen", "text_changed", "gone"]
PROOF_FILE = "proof.json"


@dataclass(frozen=True)
class Bundle:
    """A watch's bundle as the store lists it."""

    check_id: int
    captured_at: str
    path: Path  # the capture folder
    wacz: Path
    package_hash: str


@dataclass
class Fact:
    event: Event
    bundle: Bundle
    text: str | None  # the comment's text as archived (None: gone)
    author: str | None
    verified: bool = False
    problems: list[str] = field(default_factory=list)  # what verify found wrong


def facts(bundles: Sequence[Bundle], comment: str, *, own_keys: Sequence[str] = (),
          trusted: set[str] | None = None) -> list[Fact]:
    """For the comment whose key is `comment`: the first bundle that shows it, each one where its
    text changed, the first one after that without it; each verified now."""
    found: list[Fact] = []
    last: str | None = None
    seen = False
    for bundle in sorted(bundles, key=lambda b: b.check_id):
        record = _record(bundle)
        if record is None:
            continue
        item = next((c for c in record.get("comments", []) if _key(c) == comment), None)
        if item is None:
            # A partial capture's missing comments are unknown, never gone.
            if seen and not record.get("warnings"):
                found.append(Fact("gone", bundle, None, None))
                break
            continue
        text = item.get("text")
        if not seen:
            found.append(Fact("first_seen", bundle, text, item.get("author")))
        elif text != last:
            found.append(Fact("text_changed", bundle, text, item.get("author")))
        seen, last = True, text
    for fact in found:
        _verified(fact, own_keys, trusted)
    return found


def _record(bundle: Bundle) -> dict[str, Any] | None:
    try:
        data = json.loads((bundle.path / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # verify says what is wrong with it, if it is among the facts
    return data if isinstance(data, dict) else None


def _key(comment: dict[str, Any]) -> str | None:
    try:
        return Comment.model_validate(comment).key()
    except ValueError:
        return None


def _verified(fact: Fact, own_keys: Sequence[str], trusted: set[str] | None) -> None:
    try:
        report = verify(fact.bundle.path, own_keys=own_keys, trusted=trusted)
    except InputError as exc:
        fact.verified, fact.problems = False, [str(exc)]
        return
    fact.verified = report.ok
    fact.problems = [f"{f.subject}: {f.detail}" for f in report.failed]


def summary(watch: dict[str, Any], comment: str, found: Sequence[Fact]) -> dict[str, Any]:
    """What `proof.json` says (before its signature): the watch, the comment, the facts, and
    each bundle's package hash."""
    return {
        "watch": watch, "comment_id": comment,
        "facts": [{"event": f.event, "check_id": f.bundle.check_id, "captured_at": f.bundle.captured_at,
                   "bundle": f.bundle.path.name, "package_hash": f.bundle.package_hash,
                   "text": f.text, "author": f.author, "verified": f.verified}
                  for f in found],
    }


def export(out: Path, watch: dict[str, Any], comment: str, found: Sequence[Fact],
           keys_dir: Path) -> Path:
    """Copy the bundles into `out` (new or empty) with `proof.json`, signed; its path."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"--export {out}: exists and is not an empty folder")
    if not found:
        raise InputError(f"no bundle shows comment {comment}: nothing to export")
    body = summary(watch, comment, found)
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    tools = software()
    signed = signing.sign(signing.load_or_create(keys_dir), digest, iso_now(), "scraper",
                          tools["scraper"])
    out.mkdir(parents=True, exist_ok=True)
    for fact in found:
        target = out / fact.bundle.path.name
        if not target.exists():
            shutil.copytree(fact.bundle.path, target)
    path = out / PROOF_FILE
    path.write_text(json.dumps({**body, "signedData": signed}, ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")
    return path


def check_proof_file(path: Path) -> bool:
    """Whether `proof.json`'s signature covers what it says (its key named in `signedData`)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    signed = data.pop("signedData")
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if signed.get("hash") != "sha256:" + hashlib.sha256(canonical.encode()).hexdigest():
        return False
    try:
        signing.check(signed)
    except ValueError:
        return False
    return True
