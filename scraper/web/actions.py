"""What the dashboard's buttons and the API's actions do, each through the functions the CLI uses."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from scraper.checking import CheckResult, run_check
from scraper.watches import pause_watch, remove_watch, watch_dict
from scraper.web.common import watch_or_404
from scraper.web.context import AppContext


def check(ctx: AppContext, ref: str) -> CheckResult:
    """Check the watch now (as `scraper check`): the check is stored and its report queued."""
    with Session(ctx.engine) as session:
        watch_id = watch_or_404(session, ref).id
    assert watch_id is not None
    return run_check(ctx.engine, watch_id, ctx.browser())


def check_now(ctx: AppContext, ref: str) -> tuple[int, int]:
    result = check(ctx, ref)
    assert result.watch.id is not None and result.check.id is not None
    return result.watch.id, result.check.id


def set_paused(ctx: AppContext, ref: str, paused: bool) -> dict[str, Any]:
    return watch_dict(pause_watch(ctx.engine, ref, paused))


def remove(ctx: AppContext, ref: str) -> dict[str, Any]:
    return remove_watch(ctx.engine, ref)
