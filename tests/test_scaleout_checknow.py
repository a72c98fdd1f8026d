"""Check now in distributed mode (issue 22): the dashboard and the API ask the scheduler
(`scraper run --executor dramatiq`), which admits the check within its limits and sends it to a
`scraper worker`; the page shows it queued, then its result. A real redis-server, PostgreSQL,
Chromium (in the worker only) and the dashboard over real HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from sqlmodel import Session, select

from scraper.store import Check, CheckRequest, Watch
from scraper.watches.operations import WatchSpec, add_watch
from scraper.web.app import create_app
from scraper.web.server import serve_in_thread
from tests.fixtures.scaleout import WAIT, Cluster, Output, no_browser
from tests.sites.hostile import HostileSite
from tests.waiting import wait_until

pytestmark = [pytest.mark.distributed, pytest.mark.postgres, pytest.mark.browser]

HOST_CAP = 1


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    with HostileSite() as hostile:
        yield hostile


def state_of(html: str) -> str:
    found = re.search(r'id="check-request"[^>]*data-state="(\w+)"', html)
    assert found, f"no check request shown:\n{html[:2000]}"
    return found.group(1)


def test_check_now_goes_through_the_scheduler_to_a_worker_within_the_host_cap(
    cluster: Cluster, site: HostileSite, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCRAPER_HOST_CAP", str(HOST_CAP))
    monkeypatch.setenv("SCRAPER_DEADLINE", "30")  # the held check waits at the gate, not timed out
    monkeypatch.setenv("SCRAPER_EXECUTOR", "dramatiq")
    site.gate.clear()
    held_id = cluster.watch(site.url("/gated"), "held")  # due at once: the scheduler starts it
    manual = add_watch(cluster.engine, WatchSpec(url=site.url("/ok?manual"), name="manual",
                                                 render="always"), cluster.settings)
    assert manual.id is not None and manual.schedule_kind is None, "no schedule: checked on request only"
    cluster.worker(2)
    scheduler = Output(cluster.scraper("--verbose", "run", "--executor", "dramatiq", "--workers", "2",
                                       env=no_browser()))
    gate = site.requests("/gate (held)")
    assert site.wait_for_request("/gate (held)", gate + 1, timeout=WAIT), "the held check never started"

    # The dashboard, a process of its own in the deployment: here a server in this one, so the
    # test can see that it never launched a browser.
    settings = replace(cluster.settings, executor="dramatiq", host_cap=HOST_CAP)
    app = create_app(settings, cluster.engine)
    server, thread, base_url = serve_in_thread(app)
    try:
        with httpx.Client(base_url=base_url, timeout=WAIT) as web, \
                dashboard_api(cluster, base_url) as api:
            page = web.get(f"/watches/{manual.id}").text
            token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            asked = web.post(f"/watches/{manual.id}/check", data={"csrf_token": token})
            assert asked.status_code == 303, asked.text
            where = asked.headers["location"]
            request_id = int(re.search(r"request=(\d+)", where).group(1))  # type: ignore[union-attr]
            scheduler.wait_for("check requested")  # taken by the scheduler (LISTEN)
            # The other check of the host holds its only slot: the manual one waits, queued.
            page = web.get(where).text
            assert state_of(page) == "queued", page
            part = f"/watches/{manual.id}/requests/{request_id}"
            assert f'hx-get="{part}"' in page and 'hx-trigger="load delay:1s"' in page
            assert state_of(web.get(part).text) == "queued"
            assert site.requests("/ok?manual") == 0, "the manual check started past the host cap"

            site.gate.set()  # the held check ends; its slot goes to the manual one
            seen: list[str] = []

            def answered() -> bool:
                seen.append(state_of(web.get(part).text))
                return seen[-1] not in ("queued", "running")

            wait_until(answered, "the check now's result on the page", timeout=WAIT)
            result = web.get(part).text
            assert seen[-1] == "done", result
            order = ["queued", "running", "done"]
            assert seen == sorted(seen, key=order.index), f"the page went back: {seen}"
            assert 'hx-get' not in result, "the page stops asking once the result is shown"

            # The API: 202 Accepted with the request, then its check.
            accepted = api.post(f"/api/v1/watches/{manual.id}/check")
            assert accepted.status_code == 202, accepted.text
            location = accepted.headers["location"]
            assert location == f"/api/v1/check-requests/{accepted.json()['id']}"
            assert accepted.json()["state"] == "queued"
            wait_until(lambda: api.get(location).json()["state"] == "done", "the API's check now",
                       timeout=WAIT)
            by_api = api.get(location).json()
    finally:
        server.should_exit = True
        thread.join(timeout=30)

    assert app.state.ctx.browser_session is None, "the dashboard launched a browser"
    with Session(cluster.engine) as session:
        request = session.get_one(CheckRequest, request_id)
        checks = {c.id: c for c in session.exec(select(Check)).all()}
        assert session.get_one(Watch, manual.id).id == manual.id
    mine = checks[request.check_id]
    assert (mine.watch_id, mine.status) == (manual.id, "ok"), mine.error
    assert mine.dispatch_id, "checked by a worker (a dispatch), not by the dashboard"
    held = next(c for c in checks.values() if c.watch_id == held_id)
    held_end = held.started_at.timestamp() + held.duration_ms / 1000
    assert mine.started_at.timestamp() >= held_end, (
        f"the manual check started {held_end - mine.started_at.timestamp():.2f}s before the other "
        f"check of its host ended (host cap {HOST_CAP})")
    assert by_api["check"]["id"] != mine.id and checks[by_api["check"]["id"]].dispatch_id
    assert sum(c.watch_id == manual.id for c in checks.values()) == 2, "one check per request"


def dashboard_api(cluster: Cluster, base_url: str) -> httpx.Client:
    from scraper.store.tokens import create_token

    with Session(cluster.engine) as session:
        _, token = create_token(session, "tests")
        session.commit()
    return httpx.Client(base_url=base_url, timeout=WAIT, headers={"Authorization": f"Bearer {token}"})
