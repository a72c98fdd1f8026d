"""The read-only commands where no database exists yet: each prints the empty result and exits 0,
and nothing is written (no database file, no folder, no table on a server)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from scraper.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def written(root: Path) -> list[Path]:
    return sorted(root.rglob("*")) if root.exists() else []


@pytest.fixture
def home() -> Path:
    return Path(os.environ["SCRAPER_HOME"])


# One per command family, as a program reads it (--json) and as a person does.
LISTINGS = [
    (["watch", "list", "--json"], []),
    (["watch", "list"], None),
    (["watch", "export", "--json"], None),
    (["outbox", "--json"], []),
    (["outbox"], None),
    (["captures", "--json"], []),
    (["captures"], None),
    (["token", "list", "--json"], []),
    (["status", "--json"], {"watches": []}),
    (["status"], None),
]


@pytest.mark.parametrize(("argv", "empty"), LISTINGS, ids=[" ".join(a) for a, _ in LISTINGS])
def test_a_listing_without_a_database_is_empty_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], home: Path, argv: list[str], empty: object,
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "Traceback" not in err and "unexpected" not in err
    if empty is not None:
        found = json.loads(out)
        assert found == empty or (isinstance(found, dict) and found.get("watches") == []), found
    assert written(home) == [], "a read-only command wrote to SCRAPER_HOME"


def test_db_current_without_a_database_says_empty_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], home: Path,
) -> None:
    code, out, err = run(capsys, "db", "current")
    assert code == 0, err
    assert "at empty" in out
    assert written(home) == []


@pytest.mark.parametrize("argv", [["history", "7"], ["watch", "show", "nope"]])
def test_a_lookup_without_a_database_is_not_found_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], home: Path, argv: list[str],
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "", err
    assert "no watch" in err
    assert written(home) == []


def test_a_configured_database_that_is_not_there_yet_is_left_so(
    capsys: pytest.CaptureFixture[str], db_url: str, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # db_url: a SQLite file not created yet, or a new PostgreSQL database without the schema
    monkeypatch.setenv("SCRAPER_DATABASE_URL", db_url)
    for argv in (["watch", "list", "--json"], ["outbox", "--json"], ["status", "--json"]):
        code, out, err = run(capsys, *argv)
        assert code == 0, err
        assert json.loads(out) in ([], {"watches": []}) or json.loads(out).get("watches") == []
    if db_url.startswith("sqlite"):
        assert not (tmp_path / "scraper.db").exists()
        return
    engine = create_engine(db_url)
    try:
        assert inspect(engine).get_table_names() == [], "a read-only command created tables"
    finally:
        engine.dispose()
