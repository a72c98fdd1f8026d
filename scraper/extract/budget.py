"""How extraction is bounded without a clock of its own: the caller passes a `Tick`, called
between comments and between steps, which raises when the job's time is up (the pipeline's raises
a timeout naming the deadline). Extraction itself stays pure."""

from __future__ import annotations

from collections.abc import Callable

Tick = Callable[[], None]


def unbounded() -> None:
    """The tick of an extraction no deadline bounds (a profile test, a suggestion)."""
