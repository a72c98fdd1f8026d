"""History retention (issue 26): `--keep` / `--keep-checks` per watch, SCRAPER_KEEP_CHECKS as the
default, `scraper prune --dry-run`, and the daemon's pass (`run --once`), on real checks of the
demo site through the real CLI."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, col, select

from scraper.config.settings import load_settings
from scraper.demo.site import DemoSite
from scraper.store import Change, Check, Snapshot, open_db
from tests.cli import run, run_json

pytestmark = pytest.mark.browser


def _checks(watch_id: int) -> list[int]:
    with Session(open_db(load_settings())) as session:
        return list(session.exec(select(Check.id).where(Check.watch_id == watch_id)
                                 .order_by(col(Check.id))))


def _changed() -> set[int]:
    with Session(open_db(load_settings())) as session:
        return set(session.exec(select(Change.check_id)))


def test_prune_keeps_what_the_history_needs(
    capsys: pytest.CaptureFixture[str], demo_site: DemoSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = run_json(capsys, "watch", "add", demo_site.article_url, "--name", "lavrov",
                     "--keep-checks", "2")
    assert watch["keep_checks"] == 2
    for _ in range(3):  # the baseline, then two checks that find nothing
        assert run_json(capsys, "check", "lavrov")["check"]["status"] == "ok"
    demo_site.add_comment("Ann", "A new comment.")
    found = run_json(capsys, "check", "lavrov")
    assert found["changes"]
    for _ in range(3):
        run_json(capsys, "check", "lavrov")
    before = _checks(watch["id"])
    assert len(before) == 7
    diff_before = run_json(capsys, "diff", "lavrov", "--to", str(found["check"]["id"]))

    code, out, err = run(capsys, "prune", "--dry-run")
    assert code == 0 and "lavrov): would prune" in out
    assert _checks(watch["id"]) == before  # a dry run removes nothing
    report = run_json(capsys, "prune")
    [pruned] = report["watches"]
    after = _checks(watch["id"])
    assert pruned["checks"] == len(before) - len(after) > 0
    assert before[-1] in after  # the newest
    changed = found["check"]["id"]
    assert changed in after and _changed() <= set(after)  # every check with changes
    compared = max(i for i in before if i < changed)
    assert compared in after  # the record the change was found against
    assert run_json(capsys, "diff", "lavrov", "--to", str(changed)) == diff_before
    with Session(open_db(load_settings())) as session:  # no snapshot left without its check
        used = set(session.exec(select(Check.snapshot_hash)))
        assert set(session.exec(select(Snapshot.hash))) <= used
    assert run_json(capsys, "prune")["watches"] == []  # nothing more to go

    # The default for watches without their own, applied by the daemon's pass (run --once).
    other = run_json(capsys, "watch", "add", demo_site.lazy_url, "--name", "lazy", "--every", "1h")
    for _ in range(3):
        run_json(capsys, "check", "lazy")
    monkeypatch.setenv("SCRAPER_KEEP_CHECKS", "1")
    assert run(capsys, "run", "--once")[0] == 0
    assert len(_checks(other["id"])) < 3  # not due (checked just now), but pruned

    monkeypatch.setenv("SCRAPER_KEEP", "5 minutes")
    code, _, err = run(capsys, "prune")
    assert code == 2 and "SCRAPER_KEEP='5 minutes'" in err
    monkeypatch.delenv("SCRAPER_KEEP")
    code, _, err = run(capsys, "watch", "edit", "lavrov", "--keep-checks", "0")
    assert code == 2 and "--keep-checks" in err
    assert json.loads(run(capsys, "watch", "edit", "lavrov", "--keep", "90d", "--json")[1])["keep"] == "90d"
