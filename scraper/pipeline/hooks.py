"""What a caller plugs into a check, so the check itself knows no more than this.

An `Artifact` is made beside a check's record: recorders attached to the very render the check
runs (`render_options`), then, after the compare, kept when the check reported changes (`keep`,
with the outbox's link written in the artifact's own transaction) or dropped. Evidence bundles are
one (`scraper.evidence.on_change`); the CLI, the dashboard and the daemon pass a `CheckHook` that
makes them for the watches that want them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import Session

from scraper.browser import RenderOptions
from scraper.model.record import Record
from scraper.store import Capture, Watch


class Artifact(Protocol):
    def render_options(self) -> RenderOptions:
        """The render's options with this artifact's recorders attached."""

    def keep(self, record: Record, engine: Engine, check_id: int,
             within: Callable[[Session, Capture], None] | None = None) -> Path | None:
        """Keep the artifact of a check that reported changes, its row committed with what
        `within` writes; None (said in the log) when it could not be kept."""

    def drop(self) -> None:
        """Discard what was recorded (no changes, a failed or cancelled check)."""


class CheckHook(Protocol):
    def artifact(self, watch: Watch) -> Artifact | None:
        """What to record beside this check of `watch`; None: nothing."""
