"""Page-derived text on a terminal: never markup, never control sequences.

Views build rich `Text` objects (so `[bold]` in a comment stays literal) from strings passed
through `safe()` (so an ESC sequence in a comment cannot recolour or clear the terminal: rich
strips some control characters but passes ESC through).
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(value: str) -> str:
    """Show control characters as escapes (\\x1b) instead of sending them to the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
