"""The mute link a report carries: pause this watch from the email, with no login.

The link holds a token that only this installation can make (an HMAC of the watch's id under a
secret kept in the keys folder, mode 0600, made on first use): whoever has the email may pause the
watch, as whoever has it may read the changes; nobody can forge a link for another watch. It
pauses the watch (no checks, no reports) until it is resumed on the dashboard or with `scraper
watch resume`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE = "mute.key"


def secret(keys_dir: Path) -> bytes:
    """The installation's mute secret, made on first use (written whole, readable by its owner)."""
    path = keys_dir / SECRET_FILE
    if path.is_file():
        return path.read_bytes()
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    made = secrets.token_bytes(32)
    partial = path.with_name(SECRET_FILE + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(made)
    try:
        os.link(partial, path)  # never over one another process made meanwhile
    except FileExistsError:
        pass
    finally:
        partial.unlink(missing_ok=True)
    return path.read_bytes()


def token(key: bytes, watch_id: int) -> str:
    return hmac.new(key, f"mute:{watch_id}".encode(), hashlib.sha256).hexdigest()[:32]


def valid(key: bytes, watch_id: int, given: str) -> bool:
    return hmac.compare_digest(token(key, watch_id), given)


def link(base_url: str, key: bytes, watch_id: int) -> str:
    return f"{base_url.rstrip('/')}/mute/{watch_id}/{token(key, watch_id)}"
