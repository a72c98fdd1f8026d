"""The demo site's API as a person meets it: `GET /api/` lists the endpoints with example bodies that
work, and the README's curl lines change the real demo server as they say."""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from scraper.demo import seed
from scraper.demo.site import DemoSite
from tests.processes import run_ok

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with DIRECT.open(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_api_index_lists_every_endpoint_with_bodies_that_work(demo_site: DemoSite) -> None:
    status, index = call("GET", demo_site.base_url + "/api/")
    assert status == 200 and index["site"] == demo_site.base_url + "/"
    endpoints = index["endpoints"]
    assert {(e["method"], e["path"].split("?")[0]) for e in endpoints} >= {
        ("GET", "/api/article.json"), ("GET", "/api/comments.json"), ("POST", "/api/comments"),
        ("PUT", "/api/comments/4521"), ("DELETE", "/api/comments/4521"), ("PUT", "/api/article"),
        ("PUT", "/api/layout"), ("POST", "/api/reset")}
    for e in endpoints:  # in the listed order, each example is accepted by the real server
        status, answer = call(e["method"], demo_site.base_url + e["path"], e.get("body"))
        assert 200 <= status < 300 and "error" not in answer, (e, answer)
        assert e["curl"].startswith(f"curl -s -X {e['method']} {demo_site.base_url}")
    status, answer = call("GET", demo_site.base_url + "/api/nope")
    assert status == 404 and "GET /api/ lists them" in answer["error"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_curl_lines_change_the_demo_site(demo_site: DemoSite) -> None:
    section = README.split("## The demo site", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S)
    assert block is not None
    lines = [line for line in block.group(1).splitlines() if line.startswith("curl ")]
    assert len(lines) >= 8
    env = {"DEMO": demo_site.base_url, "PATH": "/usr/bin:/bin", "no_proxy": "*"}
    answers = []
    for line in lines:
        done = run_ok(["sh", "-c", line + " -w '\\n%{http_code}'"], env=env, timeout=30)
        body, status = done.stdout.rsplit("\n", 1)
        assert status.startswith("2"), (line, body)
        answers.append(json.loads(body))
        if "/api/layout" in line:  # before the reset: every change is there
            state = demo_site.state
            assert state.comment(str(seed.FIRST_COMMENT_ID)).text == "Edited."
            assert [c.author for c in state.thread()] == ["daveyone1", "Bob"]  # Ann's was deleted
            assert (state.article.title, state.article.likes, state.broken) == ("A new title", 4, True)
    assert "endpoints" in answers[0]
    assert demo_site.state.article.title == seed.TITLE and not demo_site.state.broken  # reset
