"""Email as files: with no SMTP server configured, each report is written to
$SCRAPER_HOME/outbox/ as an .eml file any mail client opens. One name per outbox row, so a retry
rewrites the same file instead of adding one."""

from __future__ import annotations

import os
import tempfile
from email.message import EmailMessage
from pathlib import Path

from scraper.reports.channels.base import DeliveryError


class EmlTransport:
    def __init__(self, folder: Path, name: str) -> None:
        self.path = folder / name

    def send(self, message: EmailMessage, until: float) -> None:  # a local write: no wait
        try:
            _write_atomic(self.path, bytes(message))
        except OSError as exc:
            raise DeliveryError(f"cannot write {self.path}: {exc.strerror or exc}") from None


def _write_atomic(path: Path, data: bytes) -> None:
    """Whole or not at all: a reader (or a crash) never sees half a message."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
