"""The daemon's set-up is frozen out of the collector's walks (issue 25): garbage is freed first."""

from __future__ import annotations

import gc
import weakref

from scraper.base.heap import freeze_setup


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_what_is_set_up_is_frozen_and_what_is_garbage_is_freed_first() -> None:
    kept, dropped = _Node(), _Node()
    gone = weakref.ref(dropped)
    del dropped
    try:
        freeze_setup()
        assert gone() is None  # collected, not frozen for the process's life
        assert gc.get_freeze_count() > 0
        assert gc.is_tracked(kept)
        assert all(o is not kept for o in gc.get_objects())  # in no generation a collection walks
    finally:
        gc.unfreeze()
