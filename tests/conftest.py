"""Shared fixtures. Each fixture module in tests/fixtures/ owns one real service."""

from __future__ import annotations

import pytest

from scraper.config.settings import Settings, load_settings

pytest_plugins: list[str] = [
    "tests.fixtures.browser",
    "tests.fixtures.demo",
    "tests.fixtures.http_recorder",
    "tests.fixtures.isso",
    "tests.fixtures.pages",
    "tests.fixtures.postgres",
    "tests.fixtures.redis",
    "tests.fixtures.smtp",
    "tests.fixtures.store",
    "tests.fixtures.tsa",
    "tests.fixtures.web",
    "tests.fixtures.wordpress",
]


@pytest.fixture
def settings(_isolated_home: None) -> Settings:
    """The settings of the test's own home, built as a command builds them (`load_settings()` over
    the test's environment). A test that needs others replaces fields rather than setting
    variables: `dataclasses.replace(settings, deadline=5)`."""
    return load_settings()
