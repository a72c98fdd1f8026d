"""What a caller plugs into a check, so the check itself knows no more than this.

An `Artifact` is made beside a check's record: recorders attached to the very render the check
runs (`render_options`), then, after the compare, kept when the check reported changes (`keep`,
with the outbox's link written in the artifact's own transaction) or dropped. Evidence bundles are
one (`scraper.evidence.on_change`), pictures of the changed items another
(`scraper.evidence.crops`); the CLI, the dashboard and the daemon pass a `CheckHook` that makes
them for the watches that want them (`Hooks`: several as one). A watch's first good check (its
baseline) keeps its artifacts too: what a later removal is proved and shown against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


class Artifacts:
    """Several artifacts of one check as one: their recorders on the same render, kept in the
    order given (the one that lets the reports go, an evidence bundle, last)."""

    def __init__(self, parts: Sequence[Artifact]) -> None:
        self.parts = tuple(parts)

    def render_options(self) -> RenderOptions:
        options = [part.render_options() for part in self.parts]
        blocks = [o.block for o in options if o.block is not None]
        return RenderOptions(
            recorders=tuple(r for o in options for r in o.recorders),
            block=min(blocks, key=len) if blocks else None,  # the one that blocks least
            ignore_https_errors=any(o.ignore_https_errors for o in options),
        )

    def keep(self, record: Record, engine: Engine, check_id: int,
             within: Callable[[Session, Capture], None] | None = None) -> Path | None:
        kept = None
        for part in self.parts:
            kept = part.keep(record, engine, check_id, within=within) or kept
        return kept

    def drop(self) -> None:
        for part in self.parts:
            part.drop()


class Hooks:
    """Several check hooks as one."""

    def __init__(self, *hooks: CheckHook) -> None:
        self.hooks = hooks

    def artifact(self, watch: Watch) -> Artifact | None:
        parts = [a for a in (h.artifact(watch) for h in self.hooks) if a is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Artifacts(parts)
