"""Helpers for the evidence tests: rewrite one member of a .wacz, flip one byte of a file."""

from __future__ import annotations

import zipfile
from pathlib import Path


def rewrite_member(wacz: Path, name: str, change: bytes | None = None, at: int = -1) -> None:
    """Rewrite the .wacz with member `name` changed by one byte (a well-formed ZIP, so only the
    hashes can tell), or replaced by `change`."""
    with zipfile.ZipFile(wacz) as source:
        members = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(wacz, "w") as target:
        for info, data in members:
            if info.filename == name:
                data = change if change is not None else flip(data, at)
            target.writestr(info, data)


def flip(data: bytes, at: int = -1) -> bytes:
    """`data` with the byte at `at` changed."""
    index = at % len(data)
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]


def flip_file_byte(path: Path, at: int) -> None:
    path.write_bytes(flip(path.read_bytes(), at))
