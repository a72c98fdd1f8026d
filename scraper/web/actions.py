"""What the dashboard's buttons and the API's actions do, each through the functions the CLI uses."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from scraper import store
from scraper.evidence.on_change import EvidenceOnChange
from scraper.pipeline.check import CheckResult, run_check
from scraper.service.watch_list import rows
from scraper.web.common import watch_or_404
from scraper.web.context import AppContext


def check(ctx: AppContext, ref: str) -> CheckResult:
    """Check the watch now (as `scraper check`): the check is stored and its report queued."""
    with Session(ctx.engine) as session:
        watch_id = watch_or_404(session, ref).id
    assert watch_id is not None
    return run_check(ctx.engine, watch_id, ctx.browser(), hook=EvidenceOnChange(ctx.settings))


def check_now(ctx: AppContext, ref: str) -> tuple[int, int]:
    result = check(ctx, ref)
    assert result.watch.id is not None and result.check.id is not None
    return result.watch.id, result.check.id


def set_paused(ctx: AppContext, ref: str, paused: bool) -> dict[str, Any]:
    """As `watch pause` / `resume`: the watch as `watch show --json` says it."""
    with Session(ctx.engine) as session:
        watch = store.set_paused(session, watch_or_404(session, ref), paused)
        session.commit()
        session.refresh(watch)
        return rows(session, [watch], ctx.settings)[0]


def remove(ctx: AppContext, ref: str) -> dict[str, Any]:
    """As `watch remove --yes`: {"removed": id, "name": name}."""
    with Session(ctx.engine) as session:
        watch = watch_or_404(session, ref)
        data = {"removed": watch.id, "name": watch.name}
        store.remove_watch(session, watch)
        session.commit()
        return data
