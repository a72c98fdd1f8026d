"""The command line: thin wrappers that parse, call one function, and print the result."""

from scraper.cli import capture_cmd, check_cmd, db_cmd, profile_cmd, run_cmd, watch_cmd  # noqa: F401
from scraper.cli.app import app, main, run

__all__ = ["app", "main", "run"]
