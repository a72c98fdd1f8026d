"""Shared fixtures. Each fixture module in tests/fixtures/ owns one real service."""

pytest_plugins: list[str] = [
    "tests.fixtures.browser",
    "tests.fixtures.demo",
    "tests.fixtures.http_recorder",
    "tests.fixtures.isso",
    "tests.fixtures.pages",
    "tests.fixtures.postgres",
    "tests.fixtures.smtp",
    "tests.fixtures.store",
    "tests.fixtures.tsa",
    "tests.fixtures.web",
    "tests.fixtures.wordpress",
]
