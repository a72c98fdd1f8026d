"""The bytes a server sent, from what the browser hands back.

Chromium returns text bodies (documents, scripts, JSON…) as decoded text, which Playwright gives
back as UTF-8: the body of a page served as ISO-8859-1 comes back transcoded. For UTF-8 (most of
the web) that is byte for byte what was sent; for another charset the original is restored by
encoding the text again in that charset, and checked against Content-Length where the server sent
one. What cannot be restored is kept as the browser gave it, with a note saying so.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass

# WHATWG Encoding: browsers read these labels as windows-1252.
_WINDOWS_1252 = {"iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "l1", "iso8859-1", "cp819"}
_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_SNIFF_BYTES = 1024


@dataclass(frozen=True)
class Body:
    data: bytes
    note: str | None = None  # why these may not be the exact bytes sent, or how they were restored


def header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def charset_of(headers: Mapping[str, str], body: bytes) -> str | None:
    """The charset the browser decoded with: the Content-Type's, else an HTML meta tag's."""
    content_type = header(headers, "content-type") or ""
    found = _CHARSET.search(content_type.encode("latin-1", "replace"))
    if found is None and "html" in content_type.lower():
        found = _CHARSET.search(body[:_SNIFF_BYTES])
    if found is None:
        return None
    label = found.group(1).decode("ascii", "replace").lower()
    return "cp1252" if label in _WINDOWS_1252 else label


def _is_utf8(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False


def _textual(headers: Mapping[str, str]) -> bool:
    kind = (header(headers, "content-type") or "").split(";")[0].strip().lower()
    return kind.startswith("text/") or any(t in kind for t in ("json", "javascript", "xml"))


def restore(body: bytes, headers: Mapping[str, str]) -> Body:
    """The server's bytes for a body the browser returned (content-encoding already undone)."""
    length = header(headers, "content-length")
    encoded = (header(headers, "content-encoding") or "identity").lower() != "identity"
    expected = int(length) if length and length.isdigit() and not encoded else None
    if expected is not None and len(body) == expected:
        return Body(body)
    charset = charset_of(headers, body) if _textual(headers) else None
    if charset is None or _is_utf8(charset):
        return Body(body, _mismatch(body, expected))
    decoded_from = f"the browser returned this text decoded from {charset}, as UTF-8"
    try:
        original = body.decode("utf-8").encode(charset)
    except (UnicodeError, LookupError):
        return Body(body, f"{decoded_from}; the original bytes could not be restored")
    if expected is not None and len(original) != expected:
        return Body(body, f"{decoded_from}; re-encoding gives {len(original)} bytes, "
                          f"the server sent {expected}")
    checked = " (its length matches Content-Length)" if expected is not None else ""
    return Body(original, f"restored from the browser's UTF-8 text to {charset}{checked}")


def _mismatch(body: bytes, expected: int | None) -> str | None:
    if expected is None:
        return None
    return (f"the browser returned {len(body)} bytes where the server announced {expected} "
            "(decoded text, or a body cut short)")
