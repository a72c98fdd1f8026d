"""A capture's file as a download (which file, and that it stays inside the capture's folder, is
`scraper.service.captures.download_path`'s to say).

The file is opened here without following a symlink (O_NOFOLLOW) and must be a regular file: a
link planted between the service's check and this open is refused too, never followed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from fastapi.responses import StreamingResponse

from scraper.base.errors import Forbidden

_CHUNK = 1 << 16


def download(path: Path) -> StreamingResponse:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        raise Forbidden(f"{path.name}: a symlink or unreadable, not the capture's file: refused",
                        where="file") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise Forbidden(f"{path.name}: not a regular file: refused", where="file")
    handle = os.fdopen(fd, "rb")

    def chunks() -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(_CHUNK):
                yield chunk

    headers = {"Content-Length": str(info.st_size),
               "Content-Disposition": f"attachment; filename*=utf-8''{quote(path.name)}"}
    return StreamingResponse(chunks(), media_type=_media(path), headers=headers)


def _media(path: Path) -> str:
    return {".wacz": "application/wacz", ".json": "application/json", ".pdf": "application/pdf",
            ".txt": "text/plain; charset=utf-8"}.get(path.suffix, "application/octet-stream")
