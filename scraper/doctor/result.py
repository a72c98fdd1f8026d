"""What `scraper doctor` finds: one `Check` per subject, gathered in a `Report`.

Plain data, so the CLI renders it as text or JSON and the dashboard can show the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None  # what to do when not ok
    facts: Mapping[str, Any] = field(default_factory=dict)  # the values behind `detail`, for programs

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix,
                "facts": dict(self.facts)}


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """Everything `capture` and `run` need is there."""
        return all(check.ok for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [check.to_dict() for check in self.checks]}
