"""The dashboard's banner when nothing checks the watches (issue 26): shown while scheduled
watches have no scheduler, gone while one beats, back once its beats are two intervals old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from scraper.store.heartbeat import beat, forget
from tests.cli import run_json
from tests.fixtures.web import Dashboard

pytestmark = pytest.mark.browser


def test_the_banner_says_when_no_scheduler_is_seen(
    dashboard: Dashboard, capsys: pytest.CaptureFixture[str]
) -> None:
    def notice() -> str | None:
        page = httpx.get(dashboard.base_url + "/", timeout=30).text
        if 'id="scheduler-notice"' not in page:
            return None
        return page.split('id="scheduler-notice">', 1)[1].split("</p>", 1)[0]

    assert notice() is None  # no watch: nothing to check, nothing to say
    run_json(capsys, "watch", "add", "https://example.org/manual")
    assert notice() is None  # manual watches need no scheduler
    run_json(capsys, "watch", "add", "https://example.org/a", "--every", "15m")
    said = notice()
    assert said is not None
    assert said.startswith("No scheduler is running: the 1 scheduled watch is not being checked")
    assert "scraper run" in said

    now = datetime.now(UTC)
    beat(dashboard.engine, "host:1", 60.0, now)
    assert notice() is None
    beat(dashboard.engine, "host:1", 60.0, now - timedelta(seconds=121))  # two beats missed
    said = notice()
    assert said is not None and said.startswith("No scheduler seen since")
    forget(dashboard.engine, "host:1")
    assert (notice() or "").startswith("No scheduler is running")
