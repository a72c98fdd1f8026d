"""Shared fixtures. Each fixture module in tests/fixtures/ owns one real service.

The markers (pyproject's [tool.pytest.ini_options]) follow from the fixtures a test uses, so they
stay true as tests change: `pytest -m "not browser"` starts no Chromium. A test that starts one
without a marker-bearing fixture (a command run in-process or in a subprocess) says so with
`@pytest.mark.browser`; without it, its Chromium is one that does not exist, and it fails at once
saying why (`_no_chromium_unless_marked`)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from scraper.config.settings import Settings, load_settings

# An `expect(...)` waits for what it names; Playwright's default of 5 s made it a speed assert
# on a busy machine (a dashboard page loading a site through the builder). The bound only decides
# how long a real failure takes to say so.
expect.set_options(timeout=30_000)

pytest_plugins: list[str] = [
    "tests.fixtures.browser",
    "tests.fixtures.demo",
    "tests.fixtures.http_recorder",
    "tests.fixtures.hung",
    "tests.fixtures.isso",
    "tests.fixtures.pages",
    "tests.fixtures.postgres",
    "tests.fixtures.redis",
    "tests.fixtures.scaleout",
    "tests.fixtures.smtp",
    "tests.fixtures.store",
    "tests.fixtures.tsa",
    "tests.fixtures.web",
    "tests.fixtures.wordpress",
]

# marker -> the fixtures that imply it. `chromium` is the project's session; `dashboard*` browse it;
# browser/context/page/new_context/launch_browser are pytest-playwright's own Chromium.
FIXTURE_MARKERS: dict[str, frozenset[str]] = {
    "browser": frozenset({"chromium", "dashboard", "dashboard_with", "browser", "context", "page",
                          "new_context", "launch_browser"}),
    "postgres": frozenset({"postgres_server"}),
    "wordpress": frozenset({"wordpress"}),
    "slow": frozenset({"wordpress"}),  # a MariaDB and a WordPress installed for the session
}
# The distributed executor's tests: any fixture of Redis or of the broker in front of it.
DISTRIBUTED_WORDS = ("redis", "broker")
# A test allowed more than the default per-test timeout says it takes long: it is slow.
DEFAULT_TIMEOUT = 120.0
NO_CHROMIUM = "/nonexistent/chromium-of-a-test-without-the-browser-marker"


def implied_markers(item: pytest.Item) -> set[str]:
    # item.fixturenames is the whole closure: the fixtures of its fixtures, autouse ones included.
    names = set(getattr(item, "fixturenames", ()))
    found = {marker for marker, fixtures in FIXTURE_MARKERS.items() if names & fixtures}
    if any(word in name for name in names for word in DISTRIBUTED_WORDS):
        found.add("distributed")
    timeout = item.get_closest_marker("timeout")
    if timeout is not None and timeout.args and float(timeout.args[0]) > DEFAULT_TIMEOUT:
        found.add("slow")
    return found


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for marker in sorted(implied_markers(item)):
            if item.get_closest_marker(marker) is None:
                item.add_marker(marker)
    items[:] = longest_modules_first(items)


def module_rank(items: list[pytest.Item]) -> int:
    """0 for a module with a slow or distributed test, 1 with a browser test, 2 for the rest."""
    marks = {mark.name for item in items for mark in item.iter_markers()}
    return 0 if marks & {"slow", "distributed"} else 1 if "browser" in marks else 2


def longest_modules_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """The modules that run longest start first, the quick ones fill in at the end. With
    `--dist loadfile --no-loadscope-reorder` (Makefile) each module runs whole on one worker in this
    order, so no worker is left alone with a long module after the others are done. The order
    within a module and among equal modules is kept."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    ordered = sorted(modules.values(), key=module_rank)
    return [item for module in ordered for item in module]


@pytest.fixture(autouse=True)
def _no_chromium_unless_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test without the `browser` marker gets no Chromium (SCRAPER_BROWSER names none, for the
    commands it runs in-process and in subprocesses alike): the marker cannot silently lie."""
    if request.node.get_closest_marker("browser") is None:
        monkeypatch.setenv("SCRAPER_BROWSER", NO_CHROMIUM)


@pytest.fixture
def settings(_isolated_home: None) -> Settings:
    """The settings of the test's own home, built as a command builds them (`load_settings()` over
    the test's environment). A test that needs others replaces fields rather than setting
    variables: `dataclasses.replace(settings, deadline=5)`."""
    return load_settings()
