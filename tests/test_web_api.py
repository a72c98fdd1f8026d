"""The REST API over HTTP against a real server: every endpoint, status codes, cursor pagination,
`{"error", "where"}` errors, and 401 without a (live) token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session

from scraper import store
from scraper.demo.site import DemoSite
from scraper.store.tokens import revoke_token
from tests.fixtures.web import Dashboard

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ENDPOINTS = [("get", "/watches"), ("post", "/watches"), ("get", "/watches/1"), ("patch", "/watches/1"),
             ("delete", "/watches/1"), ("post", "/watches/1/pause"), ("post", "/watches/1/resume"),
             ("post", "/watches/1/rebase"), ("post", "/watches/1/check"), ("get", "/watches/1/checks"),
             ("get", "/watches/1/changes"), ("get", "/watches/1/diff"), ("get", "/changes"),
             ("get", "/captures"), ("post", "/captures"), ("get", "/captures/1/download"),
             ("get", "/captures/1/files/x"), ("get", "/captures/1/verify"), ("get", "/outbox"),
             ("post", "/outbox/1/retry"), ("get", "/profiles"), ("post", "/profiles/test"),
             ("get", "/status")]


def test_every_endpoint_is_401_without_a_live_token(dashboard: Dashboard) -> None:
    anonymous, wrong = dashboard.api(token=None), dashboard.api(token="scr_not-a-token")
    for method, path in ENDPOINTS:
        for client in (anonymous, wrong):
            response = client.request(method.upper(), path, json={})
            assert response.status_code == 401, (method, path)
            assert response.json()["where"] == "Authorization"
    with Session(dashboard.engine) as session:
        revoke_token(session, 1)
        session.commit()
    assert dashboard.api().get("/watches").status_code == 401
    # The schema is public: it documents, it holds no data.
    schema = httpx.get(f"{dashboard.base_url}/api/v1/openapi.json").json()
    documented = {"/api/v1/watches", "/api/v1/watches/{ref}/diff", "/api/v1/outbox/{row_id}/retry"}
    assert documented <= set(schema["paths"])
    # The watch endpoints declare the service's models: the schema shows the real shapes.
    shapes = schema["components"]["schemas"]
    assert {"WatchSummary", "WatchPage", "Removed", "Rebased", "CheckRun"} <= set(shapes)
    assert {"failing_streak", "last_check", "next_run"} <= set(shapes["WatchSummary"]["properties"])
    assert "from" in shapes["ProfileSource"]["properties"]
    removed = schema["paths"]["/api/v1/watches/{ref}"]["delete"]["responses"]["200"]
    assert removed["content"]["application/json"]["schema"]["$ref"].endswith("/Removed")


def test_watches_crud_and_validation(dashboard: Dashboard) -> None:
    api = dashboard.api()
    created = api.post("/watches", json={"url": "https://example.org/a", "every": "15m",
                                          "notify_on": ["comment_added"], "tags": ["news"],
                                          "normalise": [{"regex": r"\d+ ago", "replace": ""}]})
    assert created.status_code == 201, created.text
    watch = created.json()
    assert watch["schedule"] == {"kind": "interval", "spec": "15m"}
    assert watch["normalise"] == [{"regex": r"\d+ ago", "replace": ""}]

    bad = api.post("/watches", json={"url": "https://example.org/b", "every": "5x"})
    assert bad.status_code == 422 and bad.json()["where"] == "every"
    assert api.post("/watches", json={"url": "ftp://example.org/"}).json()["where"] == "url"
    zero = api.post("/watches", json={"url": "https://example.org/c", "confirm": 0})
    assert zero.json()["where"] == "confirm"
    unknown_kind = api.post("/watches", json={"url": "https://example.org/c", "notify_on": ["nope"]})
    assert unknown_kind.status_code == 422 and unknown_kind.json()["where"] == "notify_on"
    missing = api.post("/watches", json={"name": "no-url"})
    assert missing.status_code == 422 and missing.json()["where"] == "url"
    taken = api.post("/watches", json={"url": "https://example.org/d", "name": watch["name"]})
    assert taken.status_code == 409 and taken.json()["where"] == "name"
    twice = api.post("/watches", json={"url": "https://example.org/a#top"})
    assert twice.status_code == 409 and twice.json()["where"] == "url"
    assert "set allow_duplicate" in twice.json()["error"] and "--" not in twice.json()["error"]

    patched = api.patch(f"/watches/{watch['id']}", json={"cron": "0 * * * *"})
    assert patched.status_code == 200 and patched.json()["schedule"] == {"kind": "cron", "spec": "0 * * * *"}
    assert patched.json()["notify_on"] == ["comment_added"]  # untouched options stay
    assert api.patch(f"/watches/{watch['id']}", json={"email": "nope"}).json()["where"] == "email"
    assert api.post(f"/watches/{watch['id']}/pause").json()["paused"] is True
    assert api.get("/watches", params={"status": "paused"}).json()["items"][0]["id"] == watch["id"]
    assert [w["id"] for w in api.get("/watches", params={"tag": "news"}).json()["items"]] == [watch["id"]]
    assert api.get("/watches", params={"tag": "new"}).json()["items"] == []
    assert api.post(f"/watches/{watch['id']}/resume").json()["paused"] is False
    rebase = api.post(f"/watches/{watch['id']}/rebase")
    assert rebase.status_code == 409 and "no check with a record" in rebase.json()["error"]
    assert api.get("/watches/nope").status_code == 404
    # The same shape as `watch remove --json`.
    assert api.delete(f"/watches/{watch['id']}").json() == {"removed": watch["id"], "name": watch["name"],
                                                            "checks": 0, "changes": 0}
    assert api.get(f"/watches/{watch['id']}").status_code == 404


def seed(dashboard: Dashboard, watches: int, checks_each: int) -> None:
    with Session(dashboard.engine) as session:
        for n in range(watches):
            watch = store.add_watch(session, name=f"w{n:03}", url=f"https://example.org/{n}",
                                    schedule_kind="interval", schedule="1h")
            for k in range(checks_each):
                store.add_check(session, watch, started_at=T0 + timedelta(minutes=k), duration_ms=5,
                                status="failed", error=f"HTTP 500 <b>{k}</b>", error_kind="http")
        session.commit()


def test_cursor_pagination_and_filters(dashboard: Dashboard) -> None:
    seed(dashboard, 7, 3)
    api = dashboard.api()
    seen, cursor, pages = [], None, 0
    while True:
        page = api.get("/watches", params={"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [w["id"] for w in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(range(1, 8)) and pages == 3
    first = api.get("/watches", params={"limit": 1}).json()["items"][0]
    assert first["failing_streak"] == 3
    assert first["last_check"]["error"] == "HTTP 500 <b>2</b>"
    found = api.get("/watches", params={"q": "W00"}).json()["items"]
    assert [w["name"] for w in found][:2] == ["w000", "w001"]
    assert len(api.get("/watches", params={"status": "failing"}).json()["items"]) == 7
    assert api.get("/watches", params={"status": "odd"}).status_code == 422
    assert api.get("/watches", params={"cursor": "x"}).json()["where"] == "cursor"
    assert api.get("/watches", params={"limit": 0}).json()["where"] == "limit"

    checks = api.get("/watches/1/checks", params={"limit": 2}).json()
    assert [c["id"] for c in checks["items"]] == [3, 2]
    rest = api.get("/watches/1/checks", params={"limit": 2, "cursor": checks["next_cursor"]}).json()
    assert [c["id"] for c in rest["items"]] == [1] and rest["next_cursor"] is None


@pytest.mark.browser
def test_check_changes_diff_outbox_profiles_and_status(dashboard: Dashboard, demo_site: DemoSite) -> None:
    api = dashboard.api()
    watch = api.post("/watches", json={"url": demo_site.article_url, "email": "desk@example.org"}).json()
    first = api.post(f"/watches/{watch['id']}/check")
    assert first.status_code == 200 and first.json()["baseline"] is True
    demo_site.add_comment("Zoe", "A new one.")
    second = api.post(f"/watches/{watch['id']}/check").json()
    assert [c["kind"] for c in second["changes"]] == ["comment_added"]
    assert second["reports"][0]["status"] == "queued"

    changes = api.get(f"/watches/{watch['id']}/changes").json()["items"]
    assert changes[0]["change"]["comment"]["author"] == "Zoe"
    assert api.get("/changes").json()["items"][0]["id"] == changes[0]["id"]
    diff = api.get(f"/watches/{watch['id']}/diff", params={"from": 1, "to": 2}).json()
    assert (diff["from"], diff["to"]) == (1, 2) and diff["changes"][0]["comment"]["text"] == "A new one."
    assert api.get(f"/watches/{watch['id']}/diff", params={"from": 99}).status_code == 404
    assert api.post(f"/watches/{watch['id']}/rebase").json()["base_check_id"] == 2

    outbox = api.get("/outbox").json()["items"]
    assert outbox[0]["status"] == "queued"
    retried = api.post(f"/outbox/{outbox[0]['id']}/retry").json()
    assert retried[0]["status"] == "sent"  # no SMTP configured: written as an .eml file
    assert api.post(f"/outbox/{outbox[0]['id']}/retry").status_code == 422  # sent: nothing to retry
    assert api.post("/outbox/999/retry").status_code == 404

    assert "wordpress" in [p["name"] for p in api.get("/profiles").json()]
    tested = api.post("/profiles/test", json={"url": demo_site.article_url}).json()
    assert tested["profile"] == "wordpress"
    assert any(f["field"] == "comments.author" and f["ok"] for f in tested["fields"])
    assert api.post("/profiles/test", json={"url": "ftp://x/"}).status_code == 422
    status = api.get("/status").json()
    assert {c["name"] for c in status["checks"]} >= {"browser", "database", "profiles"}


@pytest.mark.browser
def test_captures_list_download_files_verify(dashboard: Dashboard, demo_site: DemoSite) -> None:
    api = dashboard.api()
    assert api.post("/captures", json={"url": "file:///etc/passwd"}).json()["where"] == "url"
    made = api.post("/captures", json={"url": demo_site.article_url, "case": "k", "note": "n"})
    assert made.status_code == 201, made.text
    listed = api.get("/captures").json()["items"]
    assert listed[0]["case"] == "k" and listed[0]["files"]
    download = api.get(f"/captures/{listed[0]['id']}/download")
    assert download.status_code == 200 and download.content[:2] == b"PK"  # a zip
    name = listed[0]["files"][0]
    assert api.get(f"/captures/{listed[0]['id']}/files/{name}").status_code == 200
    assert api.get(f"/captures/{listed[0]['id']}/files/..%2F..%2Fscraper.db").status_code == 404
    assert api.get("/captures/99/download").status_code == 404
    assert api.get(f"/captures/{listed[0]['id']}/verify").json()["ok"] is True
