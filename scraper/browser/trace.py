"""What one render did, step by step: for `profile test`, and for the message of a failed step.

A `Trace` rides along with the render job and is filled as the render goes, so whoever started the
render can show the steps that ran even when a later one failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Ready:
    """The profile's ready wait: what it waited for, whether it came, and how long it took."""

    condition: str  # "network idle + #comments", or "" when the profile waits for nothing
    met: bool
    seconds: float
    budget: float
    required: bool
    missed: str = ""  # the condition that never came, when not met

    @property
    def warning(self) -> str | None:
        """What the record says when the page was read without being ready."""
        if self.met:
            return None
        shown = " ".join(self.missed.split())
        return (f"the page was not ready within {self.budget:.1f}s ({shown[:80]}); "
                "captured what it showed by then")

    def to_dict(self) -> dict[str, Any]:
        return {"condition": self.condition, "met": self.met, "seconds": round(self.seconds, 2),
                "budget": round(self.budget, 2), "required": self.required}


@dataclass(frozen=True)
class Step:
    """One action: which (as written, secrets masked), how it went, and how often it acted."""

    index: int  # 1-based, in the order run
    source: str  # "watch" or "profile"
    kind: str  # scroll, click, wait_for, fill, type, press, select
    target: str  # the selector (or key) it acted on
    ok: bool
    outcome: str  # a short human sentence: "clicked 3 times; gone"
    count: int = 0  # clicks or scrolls made
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "source": self.source, "kind": self.kind,
                "target": self.target, "ok": self.ok, "outcome": self.outcome,
                "count": self.count, "seconds": round(self.seconds, 2)}


@dataclass
class Trace:
    ready: Ready | None = None
    steps: list[Step] = field(default_factory=list)
    user_agent: str | None = None
    # A kept session (--keep-session): "kept" (still logged in: the watch's steps skipped),
    # "renewed" (the steps ran), or None (no session kept).
    session: str | None = None

    def count(self, kind: str) -> int:
        return sum(s.count for s in self.steps if s.kind == kind)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ready": self.ready.to_dict() if self.ready else None,
            "steps": [s.to_dict() for s in self.steps],
            "clicks": self.count("click"),
            "scrolls": self.count("scroll"),
            "user_agent": self.user_agent,
        }
