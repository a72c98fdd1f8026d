"""The application layer's reads and writes for checks, the outbox, captures, profiles and tokens:
each model dumps exactly as the dict the CLI's `--json` and the API gave before it was a model,
errors are typed (not found, invalid, with the field), and the API declares the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.base.errors import InputError, Invalid, NotFound
from scraper.browser.trace import Ready, Step, Trace
from scraper.config.settings import load_settings
from scraper.evidence.verify import Finding, Report
from scraper.extract import PageContent
from scraper.extract.explain import explain
from scraper.model.changes import detect_changes
from scraper.model.record import Article, Comment, Record
from scraper.pipeline.check import check_dict
from scraper.profiles.schema import Profile
from scraper.reports.outbox import row_dict
from scraper.service import captures, checks, outbox, profiles, tokens
from scraper.store import Capture, Check, Outbox

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def record(*comments: str) -> Record:
    return Record(url="https://example.org/p", final_url="https://example.org/p/",
                  fetched_at="2026-11-30T09:00:00Z", profile="wordpress",
                  article=Article(title="Title", text="Body."),
                  comments=[Comment(id=str(n), author="Ann", text=t) for n, t in enumerate(comments)])


def seeded(engine: Engine) -> tuple[int, list[int]]:
    """A watch with two good checks (the second found a new comment) and a failed one."""
    old, new = record("Hi"), record("Hi", "A new one.")
    with Session(engine) as session:
        watch = store.add_watch(session, name="lavrov", url="https://example.org/p")
        first = store.add_check(session, watch, started_at=T0, duration_ms=5, status="ok", record=old)
        second = store.add_check(session, watch, started_at=T0 + timedelta(hours=1), duration_ms=7,
                                 status="ok", record=new)
        found = [c.to_dict() for c in detect_changes(old, new)]
        store.add_changes(session, second, found, [True] * len(found))
        failed = store.add_check(session, watch, started_at=T0 + timedelta(hours=2), duration_ms=3,
                                 status="failed", error="HTTP 500", error_kind="http")
        session.commit()
        assert watch.id is not None
        return watch.id, [c.id for c in (first, second, failed) if c.id is not None]


def test_checks_dump_as_the_dicts_they_replace(local_engine: Engine) -> None:
    watch_id, (first, second, failed) = seeded(local_engine)
    with Session(local_engine) as session:
        stored = {c: check_dict(session.get_one(Check, c)) for c in (first, second, failed)}
        change = store.changes_for_check(session, second)[0]
        old_record = store.load_record(session, session.get_one(Check, first))
        new_record = store.load_record(session, session.get_one(Check, second))

    history = checks.history(local_engine, "lavrov", limit=2)
    assert history.model_dump() == {
        "watch": {"id": watch_id, "name": "lavrov", "url": "https://example.org/p"},
        "checks": [{**stored[failed], "changes": 0, "reported": 0},
                   {**stored[second], "changes": 1, "reported": 1}]}
    assert history.page().model_dump() == {"items": history.model_dump()["checks"],
                                           "next_cursor": str(second)}

    listed = checks.changes(local_engine, watch_id).model_dump()
    assert listed == {"items": [{"id": change.id, "watch_id": watch_id, "watch": "lavrov",
                                 "check_id": second, "at": "2026-11-30T10:00:00Z",
                                 "kind": "comment_added", "notify": True, "change": change.data,
                                 "picture": None}],
                      "next_cursor": None}
    assert checks.changes(local_engine).model_dump() == listed

    diff = checks.diff(local_engine, str(watch_id))
    assert diff.model_dump(mode="json") == {
        "watch": {"id": watch_id, "name": "lavrov"}, "from": first, "to": second,
        "changes": [c.to_dict() for c in detect_changes(old_record, new_record)]}
    assert diff.changes[0].comment is not None and diff.changes[0].comment["text"] == "A new one."


def test_checks_errors_are_typed_with_the_field(local_engine: Engine) -> None:
    watch_id, (first, _, failed) = seeded(local_engine)
    cases = [(lambda: checks.diff(local_engine, watch_id, 99), NotFound, "from"),
             (lambda: checks.diff(local_engine, watch_id, None, failed), NotFound, "to"),
             (lambda: checks.diff(local_engine, watch_id, None, first), NotFound, "from"),
             (lambda: checks.history(local_engine, "nope"), NotFound, "watch"),
             (lambda: checks.check_detail(local_engine, watch_id, 99), NotFound, "check"),
             (lambda: checks.history(local_engine, watch_id, cursor="x"), InputError, "cursor"),
             (lambda: checks.changes(local_engine, None, limit=0), InputError, "limit")]
    for call, kind, where in cases:
        with pytest.raises(kind) as caught:
            call()
        assert caught.value.where == where, str(caught.value)
    with pytest.raises(NotFound, match=f"check {failed} of watch {watch_id} has no record"):
        checks.diff(local_engine, watch_id, failed, None)


def test_outbox_rows_retry_and_their_errors(local_engine: Engine) -> None:
    watch_id, (_, second, _) = seeded(local_engine)
    with Session(local_engine) as session:
        rows = [Outbox(status=status, target="desk@example.org", target_key="desk@example.org",
                       watch_id=watch_id, check_id=second, due_at=T0, created_at=T0,
                       message_id=f"<{n}@example.org>", subject="lavrov: 1 new comment",
                       sent_at=T0 if status == "sent" else None)
                for n, status in enumerate(["sent", "failed", "bundled"])]
        session.add_all(rows)
        session.commit()
        expected = [row_dict(r) for r in reversed(rows) if r.status != "bundled"]
    page = outbox.listing(local_engine, limit=1)
    assert page.model_dump() == {"items": expected[:1], "next_cursor": str(expected[0]["id"])}
    rest = outbox.listing(local_engine, cursor=page.next_cursor).items
    assert [r.model_dump() for r in rest] == expected[1:]
    with pytest.raises(NotFound) as missing:
        outbox.retry(local_engine, load_settings(), 999)
    assert missing.value.where == "report" and str(missing.value) == "no report 999 in the outbox"
    with pytest.raises(Invalid, match="is sent: nothing to retry"):
        outbox.retry(local_engine, load_settings(), expected[1]["id"])


def test_captures_listing_download_and_verification(local_engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "20261130T090000Z-example.org"
    folder.mkdir()
    (folder / "bundle.wacz").write_bytes(b"PK")
    (tmp_path / "secret").write_text("outside")
    with Session(local_engine) as session:
        row = store.add_capture(session, Capture(
            url="https://example.org/p", final_url="https://example.org/p/", captured_at=T0,
            path=str(folder), wacz=str(folder / "bundle.wacz"), package_hash="ab" * 32,
            datapackage_hash="sha256:cd", case_name="k", note="n"))
        session.commit()
        capture_id = row.id
    assert capture_id is not None
    expected = {"id": capture_id, "url": "https://example.org/p", "final_url": "https://example.org/p/",
                "captured_at": "2026-11-30T09:00:00Z", "path": str(folder),
                "wacz": str(folder / "bundle.wacz"), "package_hash": "ab" * 32, "case": "k", "note": "n",
                "check_id": None}
    assert [c.model_dump() for c in captures.listing(local_engine)] == [expected]
    assert captures.listing(local_engine, "other") == []
    assert captures.listing_with_files(local_engine).model_dump() == {
        "items": [{**expected, "files": ["bundle.wacz"]}], "next_cursor": None}
    assert captures.show(local_engine, capture_id).model_dump() == {**expected, "files": ["bundle.wacz"]}
    assert captures.download_path(local_engine, capture_id) == folder / "bundle.wacz"
    for name, where in [("../secret", "name"), (None, "capture")]:
        with pytest.raises(NotFound) as refused:
            captures.download_path(local_engine, capture_id if name else 99, name)
        assert refused.value.where == where
    report = Report(Path("b.wacz"), [Finding("datapackage.json", False, "digest differs")], None, None)
    assert captures.Verification.model_validate(report.to_dict()).model_dump() == report.to_dict()


def test_profile_test_dumps_as_before() -> None:
    profile = Profile.model_validate({"name": "p", "article": {"title": ["h2.nope", "h1.t"]},
                                      "comments": {"item": "li.c", "author": "b.a", "text": "p"}})
    page = PageContent(url="u", final_url="u/", fetched_at="z", html=(
        "<html><body><h1 class='t'>Title</h1><ol><li class='c'><b class='a'>Ann</b><p>Hi</p></li></ol>"
        "</body></html>"))
    trace = Trace(Ready("#c", True, 0.25, 10.0, True),
                  [Step(1, "profile", "click", "a.more", True, "clicked once", 1, 0.5)], "UA")
    tested = profiles.explain_page(page, profile, trace)
    from scraper.extract import extract

    made = extract(page, profile)
    assert tested.model_dump() == {
        "url": "u", "profile": "p", "load": trace.to_dict(),
        "fields": [r.to_dict() for r in explain(page, profile)], "sources": made.sources,
        "warnings": made.warnings, "comments": 1}
    assert tested.final_url == "u/"
    listed = {p.name: p for p in profiles.profiles(load_settings())}
    assert listed["wordpress"].builtin and listed["wordpress"].file.endswith(".yaml")


def test_tokens_create_list_revoke(local_engine: Engine) -> None:
    made = tokens.create(local_engine, " ci ")
    assert made.name == "ci" and made.token.startswith("scr_") and made.prefix == made.token[:12] + "…"
    assert list(made.model_dump()) == ["id", "name", "prefix", "created_at", "last_used_at",
                                       "revoked_at", "token"]
    assert tokens.verify(local_engine, made.token) is not None
    assert tokens.listing(local_engine)[0].last_used_at is not None
    assert tokens.revoke(local_engine, made.id).revoked_at is not None
    assert tokens.verify(local_engine, made.token) is None
    with pytest.raises(NotFound) as missing:
        tokens.revoke(local_engine, 99)
    assert missing.value.where == "token"
    with pytest.raises(Invalid) as unnamed:
        tokens.create(local_engine, " ")
    assert unnamed.value.where == "name"


def test_the_api_declares_the_models(local_engine: Engine) -> None:
    from scraper.web.app import create_app

    schema = create_app(load_settings(), local_engine).openapi()

    def returns(path: str, method: str = "get") -> str:
        content = schema["paths"]["/api/v1" + path][method]["responses"]["200"]["content"]
        return str(content["application/json"]["schema"])

    assert "Diff" in returns("/watches/{ref}/diff")
    assert set(schema["components"]["schemas"]["Diff"]["properties"]) == {"watch", "from", "to", "changes"}
    assert "CheckRow" in returns("/watches/{ref}/checks")
    assert "Changes" in returns("/changes") and "Changes" in returns("/watches/{ref}/changes")
    assert "OutboxRow" in returns("/outbox") and "Outcome" in returns("/outbox/{row_id}/retry", "post")
    assert "CaptureFiles" in returns("/captures")
    assert "Verification" in returns("/captures/{capture_id}/verify")
    assert "ProfileInfo" in returns("/profiles") and "ProfileTest" in returns("/profiles/test", "post")
    assert "final_url" not in schema["components"]["schemas"]["ProfileTest"]["properties"]
