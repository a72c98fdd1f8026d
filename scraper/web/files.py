"""A capture's files for download: the WACZ and the files beside it, never a path outside them."""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse
from sqlmodel import Session

from scraper.evidence.verify import Report, verify
from scraper.store import Capture
from scraper.web.errors import NotFound


def capture_row(session: Session, capture_id: int) -> Capture:
    row = session.get(Capture, capture_id)
    if row is None:
        raise NotFound(f"no capture {capture_id}", "capture")
    return row


def listing(capture: Capture) -> list[str]:
    """The regular files in the capture's folder (the WACZ, the record, the signature…)."""
    folder = Path(capture.path)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.is_symlink())


def beside(capture: Capture, name: str) -> Path:
    # Only a name the folder listing gives: no "..", no slash, no symlink out of the folder.
    if name not in listing(capture):
        raise NotFound(f"capture {capture.id} has no file {name!r}", "name")
    return Path(capture.path) / name


def download(path: Path) -> FileResponse:
    if not path.is_file():
        raise NotFound(f"{path.name}: the file is gone from disk", "file")
    return FileResponse(path, filename=path.name, media_type=_media(path))


def _media(path: Path) -> str:
    return {".wacz": "application/wacz", ".json": "application/json", ".pdf": "application/pdf",
            ".txt": "text/plain; charset=utf-8"}.get(path.suffix, "application/octet-stream")


def verify_capture(session: Session, capture_id: int) -> Report:
    return verify(Path(capture_row(session, capture_id).wacz))
