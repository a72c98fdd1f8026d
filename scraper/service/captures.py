"""Evidence captures: the list (`scraper captures`, the dashboard, the API), one capture's files,
the path of a file to download, and a capture's verification."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.base.errors import Forbidden, Invalid, NotFound
from scraper.base.times import iso
from scraper.config.settings import Settings
from scraper.service.paging import Paged
from scraper.store import Capture


class CaptureRow(BaseModel):
    """A capture as `scraper captures --json` lists it."""

    id: int
    url: str
    final_url: str
    captured_at: str | None
    path: str
    wacz: str
    package_hash: str
    case: str | None
    note: str | None
    check_id: int | None

    @classmethod
    def of(cls, c: Capture) -> CaptureRow:
        return cls(id=c.id or 0, url=c.url, final_url=c.final_url, captured_at=iso(c.captured_at),
                   path=c.path, wacz=c.wacz, package_hash=c.package_hash, case=c.case_name,
                   note=c.note, check_id=c.check_id)


class CaptureFiles(CaptureRow):
    """A capture with the files of its folder (the WACZ, the record, the signature…)."""

    files: list[str]


class Finding(BaseModel):
    subject: str
    ok: bool
    detail: str


class Verification(BaseModel):
    """A bundle's verification: every file's hash, the datapackage digest, the signature and the
    timestamp (`scraper verify --json`)."""

    wacz: str
    ok: bool
    key_fingerprint: str | None
    timestamp: str | None
    checks: list[Finding]


def listing(engine: Engine, case: str | None = None) -> list[CaptureRow]:
    """The captures, newest first (only case `case`'s when given)."""
    with Session(engine) as session:
        return [CaptureRow.of(c) for c in store.list_captures(session, case)]


def listing_with_files(engine: Engine, case: str | None = None) -> Paged[CaptureFiles]:
    """The captures, newest first, each with the files of its folder (one page: all of them)."""
    with Session(engine) as session:
        rows = store.list_captures(session, case)
    return Paged[CaptureFiles](items=[CaptureFiles(**CaptureRow.of(c).model_dump(), files=files(c))
                                      for c in rows])


def show(engine: Engine, capture_id: int) -> CaptureFiles:
    """One capture, with the files of its folder."""
    row = _row(engine, capture_id)
    return CaptureFiles(**CaptureRow.of(row).model_dump(), files=files(row))


def _row(engine: Engine, capture_id: int) -> Capture:
    with Session(engine) as session:
        row = session.get(Capture, capture_id)
    if row is None:
        raise NotFound(f"no capture {capture_id}", where="capture")
    return row


def files(capture: Capture) -> list[str]:
    """The regular files in the capture's folder (the WACZ, the record, the signature…)."""
    folder = Path(capture.path)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.is_symlink())


def download_path(engine: Engine, capture_id: int, name: str | None = None) -> Path:
    """The capture's WACZ, or the file `name` of its folder: only a name the folder's listing
    gives (no "..", no slash, no symlink out of the folder), and only while it is on disk."""
    row = _row(engine, capture_id)
    if name is None:
        path = Path(row.wacz)
    elif name in files(row):
        path = Path(row.path) / name
    else:
        raise NotFound(f"capture {row.id} has no file {name!r}", where="name")
    folder = Path(row.path)
    # A symlink planted at the bundle (or its folder) would serve whatever it names: refused, as is
    # any path whose real place is not directly in the capture's real folder.
    if path.is_symlink() or folder.is_symlink():
        raise Forbidden(f"{path.name}: a symlink, not the capture's file: refused", where="file")
    if not path.is_file():
        raise NotFound(f"{path.name}: the file is gone from disk", where="file")
    if path.resolve().parent != folder.resolve():
        raise Forbidden(f"{path.name}: outside the capture's folder: refused", where="file")
    return path


def trust(settings: Settings) -> tuple[list[str], set[str] | None]:
    """This installation's keys (named in a report), and the keys SCRAPER_TRUSTED_KEYS requires a
    signature to be by (None: any key)."""
    from scraper.evidence import signing

    trusted = None
    if settings.trusted_keys is not None:
        try:
            text = settings.trusted_keys.read_text(encoding="utf-8")
            trusted = signing.trusted_fingerprints(text, "SCRAPER_TRUSTED_KEYS")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise Invalid(f"SCRAPER_TRUSTED_KEYS: {exc}", where="SCRAPER_TRUSTED_KEYS") from None
    return signing.own_keys(settings.keys_dir), trusted


def verify(engine: Engine, capture_id: int, settings: Settings | None = None) -> Verification:
    """Verify the capture's bundle (with no extra TSA certificates); with `settings`, naming this
    installation's keys and requiring a key of SCRAPER_TRUSTED_KEYS when it is set."""
    from scraper.evidence.verify import verify as verify_bundle

    own, trusted = trust(settings) if settings is not None else ([], None)
    report = verify_bundle(Path(_row(engine, capture_id).wacz), own_keys=own, trusted=trusted)
    return Verification.model_validate(report.to_dict())
