"""The admin password: kept as a scrypt hash (`scraper passwd` makes one), or as plain text.

A hash reads `scrypt:N:r:p$SALT$HASH` (salt and hash base64), the parameters in it so they can grow
later without breaking stored hashes. hashlib's scrypt needs no extra package. Comparisons are
constant-time; the password itself is never logged or stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

PREFIX = "scrypt:"
# N=2^15, r=8, p=1 (Werkzeug's default): 32 MiB of memory and ~0.1 s per attempt on an idle core,
# which makes a stolen hash slow to guess; the login is throttled besides (web/throttle.py).
N, R, P = 2**15, 8, 1
_MAX_N = 2**20  # a hash asking for more memory than this is refused, not computed
_SALT_BYTES = 16
_KEY_BYTES = 32


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=129 * r * n + (1 << 20), dklen=_KEY_BYTES)


def make_hash(password: str) -> str:
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _derive(password, salt, N, R, P)
    return (f"{PREFIX}{N}:{R}:{P}${base64.b64encode(salt).decode('ascii')}"
            f"${base64.b64encode(key).decode('ascii')}")


def is_hash(value: str) -> bool:
    return value.startswith(PREFIX)


def parse_hash(value: str) -> tuple[int, int, int, bytes, bytes]:
    """N, r, p, salt and key of a hash; ValueError (never showing it) when it is not well-formed."""
    try:
        params, salt, key = value.removeprefix(PREFIX).split("$")
        n, r, p = (int(x) for x in params.split(":"))
        salt_bytes = base64.b64decode(salt, validate=True)
        key_bytes = base64.b64decode(key, validate=True)
    except (ValueError, binascii.Error):
        raise ValueError("not a well-formed scrypt hash (make one with `scraper passwd`)") from None
    if n < 2 or n & (n - 1) or n > _MAX_N or not 1 <= r <= 32 or not 1 <= p <= 16 or not key_bytes:
        raise ValueError("a scrypt hash with parameters out of range (make one with `scraper passwd`)")
    return n, r, p, salt_bytes, key_bytes


def matches(given: str, expected: str) -> bool:
    """Whether `given` is the password `expected` names: a hash, or the password itself."""
    if is_hash(expected):
        n, r, p, salt, key = parse_hash(expected)
        return hmac.compare_digest(_derive(given, salt, n, r, p)[:len(key)], key)
    # Compared as digests, so the comparison takes the same time whatever the lengths.
    return hmac.compare_digest(hashlib.sha256(given.encode()).digest(),
                               hashlib.sha256(expected.encode()).digest())
