"""What the renderer hands to extraction: the page's HTML (and its frames'), plus where and when."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PageContent:
    url: str
    final_url: str
    fetched_at: str  # UTC ISO-8601 with a Z
    html: str
    frames: dict[str, str] = field(default_factory=dict)  # iframe selector -> that frame's HTML
    # What the renderer noticed that may leave the page incomplete (a `load` that never fired, a
    # ready wait that timed out, a "load more" control still there): the record's warnings.
    warnings: tuple[str, ...] = ()
