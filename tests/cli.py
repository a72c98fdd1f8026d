"""Running the CLI in-process, as the tests of commands do: the exit code and what was printed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scraper.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    """Run with --json; stdout must be exactly one JSON document."""
    code, out, err = run(capsys, *argv, "--json")
    assert out.strip(), f"exit {code}, nothing on stdout; stderr: {err}"
    return json.loads(out)
