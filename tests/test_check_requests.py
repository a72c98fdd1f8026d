"""Check now through the scheduler (distributed mode), without the processes: the scheduler's
side (`daemon/manual.py`) with the real dispatcher and an executor whose checks end when the test
says, on both databases (PostgreSQL: the request is heard by LISTEN); and the dashboard's and the
API's side over real HTTP with no scheduler running. tests/test_scaleout_checknow.py runs it all
with real workers."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from scraper.config.settings import Settings
from scraper.daemon.dispatch import Dispatcher, HostLimits
from scraper.daemon.executor import CheckOutcome
from scraper.daemon.manual import ManualChecks
from scraper.pipeline.check import CheckResult
from scraper.service import requests
from scraper.store import Check, CheckRequest, Watch, make_engine, open_db, upgrade
from scraper.store.tokens import create_token
from scraper.watches.operations import WatchSpec, add_watch
from scraper.web.app import create_app
from scraper.web.server import serve_in_thread
from tests.test_dispatch import HeldExecutor, task
from tests.waiting import wait_until

WAIT = 30.0


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    upgrade(db_url)
    made = make_engine(db_url)
    yield made
    made.dispose()


def state(engine: Engine, request_id: int) -> CheckRequest:
    with Session(engine) as session:
        row = session.get_one(CheckRequest, request_id)
        session.expunge(row)
        return row


def finish(executor: HeldExecutor, watch: Watch, check_id: int) -> None:
    """End the watch's running check as having written check `check_id`."""
    running, done = executor.running.pop(watch.id or 0)
    check = Check(id=check_id, watch_id=watch.id or 0, started_at=datetime.now(UTC), duration_ms=1,
                  status="ok", url=watch.url)
    done(CheckOutcome(running, 0.0, 0.1, CheckResult(watch, check, [])))


def scheduler_side(engine: Engine, settings: Settings,
                   workers: int) -> tuple[HeldExecutor, Dispatcher, ManualChecks]:
    """The scheduler's side of check now, started: the dispatcher over a held executor, its checks'
    starts and ends told to `ManualChecks`."""
    executor = HeldExecutor()
    dispatcher = Dispatcher(executor, workers=workers)
    manual = ManualChecks(engine, settings, dispatcher)
    dispatcher.on_start, dispatcher.on_done = manual.started, manual.ended
    manual.start()
    return executor, dispatcher, manual


def test_a_request_is_answered_by_a_check_that_starts_after_it(
    engine: Engine, settings: Settings,
) -> None:
    watch = add_watch(engine, WatchSpec(url="https://example.org/a", name="a"), settings)
    executor, dispatcher, manual = scheduler_side(engine, settings, workers=2)
    try:
        dispatcher.due(task(watch.id or 0), HostLimits())  # a scheduled check, running already
        assert executor.wait_started(1)
        asked = requests.request_check(engine, "a")
        assert requests.request_check(engine, "a").id == asked.id, "one queued request per watch"
        wait_until(lambda: manual.pending() == 1, "the scheduler takes the request")
        finish(executor, watch, 101)  # started before the request: it does not answer it
        assert executor.wait_started(2), "the request's own check, once the running one ended"
        wait_until(lambda: state(engine, asked.id).state == "running", "the request running")
        assert state(engine, asked.id).check_id is None
        finish(executor, watch, 102)
        wait_until(lambda: state(engine, asked.id).state == "done", "the request answered")
        assert state(engine, asked.id).check_id == 102
        assert executor.started == [watch.id, watch.id], "two checks, never two at once"
        assert manual.pending() == 0
    finally:
        dispatcher.stop(1.0)
        manual.stop()


def test_a_request_does_not_wait_for_the_window_its_scheduled_check_waits_for(
    engine: Engine, settings: Settings,
) -> None:
    watch = add_watch(engine, WatchSpec(url="https://example.org/w", name="w"), settings)
    executor, dispatcher, manual = scheduler_side(engine, settings, workers=1)
    try:
        # Queued by the scheduler until its active window opens, hours from now.
        dispatcher.due(task(watch.id or 0), HostLimits(), not_before=time.monotonic() + 36_000)
        asked = requests.request_check(engine, "w")
        assert executor.wait_started(1), "the check now started without waiting for the window"
        wait_until(lambda: state(engine, asked.id).state == "running", "the request running")
        finish(executor, watch, 7)
        wait_until(lambda: state(engine, asked.id).state == "done", "the request answered")
        assert executor.started == [watch.id], "one check answered both"
    finally:
        dispatcher.stop(1.0)
        manual.stop()


def test_a_request_left_running_at_a_stop_is_queued_again_for_the_next_scheduler(
    engine: Engine, settings: Settings,
) -> None:
    add_watch(engine, WatchSpec(url="https://example.org/b", name="b"), settings)
    executor, dispatcher, manual = scheduler_side(engine, settings, workers=1)
    asked = requests.request_check(engine, "b")
    assert executor.wait_started(1), "the requested check admitted"
    wait_until(lambda: state(engine, asked.id).state == "running", "the request running")
    dispatcher.stop(0.0)  # the check is cancelled: no row
    manual.stop()
    assert state(engine, asked.id).state == "queued"


@pytest.fixture
def distributed_dashboard(settings: Settings) -> Iterator[tuple[str, Engine, FastAPI]]:
    """The dashboard of a distributed installation (SCRAPER_EXECUTOR=dramatiq) with no scheduler
    running, over real HTTP."""
    chosen = replace(settings, executor="dramatiq")
    engine = open_db(chosen)
    add_watch(engine, WatchSpec(url="https://example.org/c", name="c"), chosen)
    app = create_app(chosen, engine)
    server, thread, base_url = serve_in_thread(app)
    yield base_url, engine, app
    server.should_exit = True
    thread.join(timeout=30)
    engine.dispose()


def test_the_dashboard_and_the_api_ask_the_scheduler_and_never_check_themselves(
    distributed_dashboard: tuple[str, Engine, FastAPI],
) -> None:
    base_url, engine, app = distributed_dashboard
    with Session(engine) as session:
        _, token = create_token(session, "tests")
        session.commit()
    with httpx.Client(base_url=base_url, timeout=WAIT) as web, \
            httpx.Client(base_url=base_url, timeout=WAIT,
                         headers={"Authorization": f"Bearer {token}"}) as api:
        page = web.get("/watches/1").text
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        asked = web.post("/watches/1/check", data={"csrf_token": csrf})
        assert asked.status_code == 303
        assert re.fullmatch(r"/watches/1\?request=(\d+)#check-request", asked.headers["location"])
        page = web.get(asked.headers["location"]).text
        assert 'data-state="queued"' in page and "no scheduler is running" in page, page
        assert web.get("/watches/1").text.count('id="check-request"') == 1, "shown while open"
        by_htmx = web.post("/watches/1/check", data={"csrf_token": csrf}, headers={
            "HX-Request": "true", "HX-Current-URL": f"{base_url}/watches/1"})  # the page's form
        assert by_htmx.status_code == 200 and "HX-Refresh" not in by_htmx.headers
        assert by_htmx.headers["HX-Redirect"] == asked.headers["location"], "the same request, a page load"
        accepted = api.post("/api/v1/watches/1/check")
        assert accepted.status_code == 202, accepted.text
        body = accepted.json()
        assert body["state"] == "queued" and body["check"] is None
        assert accepted.headers["location"] == f"/api/v1/check-requests/{body['id']}"
        assert f"request={body['id']}" in asked.headers["location"], "the queued request, not a second"
        assert api.get(accepted.headers["location"]).json()["id"] == body["id"]
        missing = api.get("/api/v1/check-requests/999")
        assert missing.status_code == 404 and "no check request 999" in missing.text
        assert web.get("/watches/1/requests/999").status_code == 404
        assert web.post("/watches/999/check", data={"csrf_token": csrf}).status_code == 404
    assert app.state.ctx.browser_session is None, "the dashboard launched a browser"
    with Session(engine) as session:
        assert session.get(Check, 1) is None, "nothing checked here"
