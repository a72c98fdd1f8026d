"""Playwright's Node driver starts with a bounded heap (SCRAPER_DRIVER_HEAP_MIB), leaving the
user's own NODE_OPTIONS and the process's environment as they were."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scraper.base.errors import InputError
from scraper.browser import BrowserSession
from scraper.browser.driver import compile_cache, driver_env, heap_flag
from scraper.config.settings import load_settings
from scraper.demo.site import DemoSite
from scraper.pipeline.capture import capture
from tests.processes import descendants


def _drivers() -> dict[int, dict[str, str]]:
    """The Playwright drivers below this process (one per browser session), with their environment."""
    found = {}
    for pid in descendants(os.getpid()):
        try:
            if b"run-driver" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            raw = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        found[pid] = dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
    return found


def test_the_bound_joins_the_users_node_options_unless_they_set_one() -> None:
    assert heap_flag(512, "") == "--max-old-space-size=512"
    assert heap_flag(512, "--trace-warnings") == "--trace-warnings --max-old-space-size=512"
    assert heap_flag(512, "--max-old-space-size=4096") == "--max-old-space-size=4096"
    assert heap_flag(0, "--trace-warnings") == "--trace-warnings"


@pytest.mark.parametrize("raw", ["10", "-1", "lots", "1.5"])
def test_an_impossible_heap_is_a_clear_error(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPER_DRIVER_HEAP_MIB", raw)
    with pytest.raises(InputError, match="SCRAPER_DRIVER_HEAP_MIB"):
        load_settings()


@pytest.mark.browser
def test_the_driver_runs_with_the_bound_and_the_environment_is_restored(
    demo_site: DemoSite, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCRAPER_DRIVER_HEAP_MIB", "300")
    monkeypatch.setenv("NODE_OPTIONS", "--trace-warnings")
    others = set(_drivers())  # the test session's shared browser, if it runs
    with BrowserSession(load_settings()) as own:
        record = capture(demo_site.article_url, session=own)
        assert record.comments  # the bounded driver reads a real page
        ours = [env for pid, env in _drivers().items() if pid not in others]
        assert len(ours) == 1
        assert ours[0]["NODE_OPTIONS"] == "--trace-warnings --max-old-space-size=300"
        assert ours[0]["NODE_COMPILE_CACHE"] == str(compile_cache())  # Node's compiled code, kept
    assert os.environ["NODE_OPTIONS"] == "--trace-warnings"  # only the driver got the bound
    assert "NODE_COMPILE_CACHE" not in os.environ


def test_the_compile_cache_is_the_users_own_unless_they_name_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NODE_COMPILE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert driver_env(0)["NODE_COMPILE_CACHE"] == str(tmp_path / "scraper" / "node-compile-cache")
    monkeypatch.setenv("NODE_COMPILE_CACHE", str(tmp_path / "mine"))
    assert "NODE_COMPILE_CACHE" not in driver_env(0)  # the driver inherits the user's own
