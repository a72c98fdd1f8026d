"""Check now through the scheduler: in distributed mode (SCRAPER_EXECUTOR=dramatiq) the
dashboard's and the API's "check now" write a request that the active scheduler admits within
its limits (workers, per-host cap and gap, one check per watch) and sends to a worker; the page and
the API then read the request: queued, running, then its check.

With the local executor a check now runs in the asking process, as `scraper check` does
(`service.watches.check_now`): nothing else need be running.
"""

from __future__ import annotations

from pydantic import Field
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from scraper import store
from scraper.base.errors import NotFound
from scraper.base.times import iso
from scraper.config.settings import Settings
from scraper.pipeline.check import check_dict
from scraper.service.checks import CheckFacts, WatchLink
from scraper.service.summary import Model
from scraper.store import Change, Check, CheckRequest, Watch
from scraper.store import requests as stored
from scraper.store.heartbeat import latest, stale

DISTRIBUTED = frozenset({"dramatiq"})  # executors whose checks run elsewhere: ask the scheduler


def through_scheduler(settings: Settings) -> bool:
    """Whether a check now is a request to the scheduler (the checks run on workers), rather
    than a check run here."""
    return settings.executor in DISTRIBUTED


class CheckRequested(Model):
    """A check now asked of the scheduler: `state` queued (waiting for its turn within the
    limits), running (admitted, on a worker), done (`check` is its result) or skipped (no check
    was written: `reason`)."""

    id: int
    watch: WatchLink
    state: str
    requested_at: str
    started_at: str | None
    finished_at: str | None
    check: CheckFacts | None = None
    changes: int | None = None
    reason: str | None = None
    waiting_for: str | None = Field(None, description="while queued with no scheduler seen: "
                                    "what it waits for")

    @property
    def open(self) -> bool:
        return self.state in stored.OPEN


def _view(session: Session, request: CheckRequest) -> CheckRequested:
    watch = session.get_one(Watch, request.watch_id)
    assert request.id is not None and watch.id is not None
    check = session.get(Check, request.check_id) if request.check_id is not None else None
    changes = None
    if check is not None:
        changes = session.exec(select(func.count()).select_from(Change)
                               .where(Change.check_id == check.id)).one()
    waiting_for = None
    if request.state == "queued" and not _scheduler_alive(session):
        waiting_for = "no scheduler is running: start `scraper run --executor dramatiq`"
    return CheckRequested(
        waiting_for=waiting_for, id=request.id, watch=WatchLink(id=watch.id, name=watch.name, url=watch.url),
        state=request.state, requested_at=iso(request.requested_at),
        started_at=iso(request.started_at), finished_at=iso(request.finished_at),
        check=CheckFacts.model_validate(check_dict(check)) if check is not None else None,
        changes=changes, reason=request.reason)


def _scheduler_alive(session: Session) -> bool:
    beat = latest(session)
    return beat is not None and not stale(session, beat)


def request_check(engine: Engine, ref: str) -> CheckRequested:
    """Ask the scheduler to check the watch now; a request already queued for it is returned
    instead of a second one (one check answers both)."""
    with Session(engine) as session:
        watch = store.get_watch(session, ref)
        assert watch.id is not None
        request = stored.add(session, watch.id)
        session.commit()
        return _view(session, request)


def show(engine: Engine, request_id: int, ref: str | None = None) -> CheckRequested:
    """A request as it stands; NotFound if there is none (of watch `ref`, when given)."""
    with Session(engine) as session:
        request = session.get(CheckRequest, request_id)
        if request is not None and ref is not None and store.get_watch(session, ref).id != request.watch_id:
            request = None
        if request is None:
            raise NotFound(f"no check request {request_id}", where="request")
        return _view(session, request)


def latest_open(engine: Engine, watch_id: int) -> CheckRequested | None:
    """The watch's newest request not answered yet: what its page shows."""
    with Session(engine) as session:
        request = stored.latest_open(session, watch_id)
        return _view(session, request) if request is not None else None
