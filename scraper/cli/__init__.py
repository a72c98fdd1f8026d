"""The command line: thin wrappers that parse, call one function, and print the result."""

from scraper.cli import capture_cmd, profile_cmd  # noqa: F401  (registers the commands)
from scraper.cli.app import app, main, run

__all__ = ["app", "main", "run"]
