"""Outside text on a terminal or in a log: never markup, never control sequences.

Views build rich `Text` objects (so `[bold]` in a comment stays literal) from strings passed
through `safe()` (so an ESC sequence in a comment cannot recolour or clear the terminal: rich
strips some control characters but passes ESC through).
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi controls (they reorder what follows: "Trojan source") and invisible format characters that
# hide text. ZWJ/ZWNJ (U+200C/D) stay: emoji sequences and Persian or Indic text need them.
_FORMAT = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# One line: the same, plus newline and tab.
_LINE_BREAKS = re.compile(r"[\t\n]")


def safe(value: str) -> str:
    """Show control and bidi characters as escapes (\\x1b, \\u202e) instead of sending them on."""
    value = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return _FORMAT.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def safe_line(value: str, limit: int = 300) -> str:
    """`safe()`, on one line (line breaks become spaces), at most `limit` characters."""
    flat = safe(_LINE_BREAKS.sub(" ", value)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
