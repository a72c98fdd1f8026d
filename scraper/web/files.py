"""A capture's file as a download (which file, and that it stays inside the capture's folder, is
`scraper.service.captures.download_path`'s to say)."""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse


def download(path: Path) -> FileResponse:
    return FileResponse(path, filename=path.name, media_type=_media(path))


def _media(path: Path) -> str:
    return {".wacz": "application/wacz", ".json": "application/json", ".pdf": "application/pdf",
            ".txt": "text/plain; charset=utf-8"}.get(path.suffix, "application/octet-stream")
