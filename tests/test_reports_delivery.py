"""Delivery through the outbox against real servers on loopback: SMTP (aiosmtpd, plain, STARTTLS,
TLS, AUTH), Apprise to an HTTP server, a JSON webhook, and .eml files when no SMTP is configured.

Reports are queued the way a check queues them: the changes are stored and `enqueue` (the hook
`scraper.pipeline.check` calls) writes the outbox rows in the same transaction. Time is passed to
`deliver` explicitly (a later `now`), so backoff and digests are tested without waiting.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from scraper import store
from scraper.cli import main
from scraper.config.settings import load_settings
from scraper.model.record import Article, Comment, Record
from scraper.reports.delivery import deliver
from scraper.reports.outbox import LEASE, claim, enqueue, link_evidence, release
from scraper.store import Capture, Outbox, Watch
from scraper.watches.operations import WatchSpec, add_watch
from tests.fixtures.http_recorder import Recorder
from tests.fixtures.smtp import SmtpServer, TlsFiles, free_port

RECORD = Record(url="https://example.org/post", final_url="https://example.org/post",
                fetched_at="2026-11-27T11:42:30Z", profile="wordpress",
                article=Article(title="Harbour lights return", text="One.\n\nTwo."),
                comments=[Comment(id="7", author="Ann", text="Lovely.")])
PASSWORD = "pw-Zq8!never-shown"


def comment_added(n: int, author: str = "Bob") -> dict[str, Any]:
    return {"kind": "comment_added", "notify": True,
            "comment": {"id": str(100 + n), "parent_id": None, "author": author,
                        "published": "2026-11-27T12:00:00+00:00", "text": f"Comment number {n}."}}


def watch(engine: Engine, name: str, **options: Any) -> int:
    created = add_watch(engine, WatchSpec(url=f"https://example.org/{name}", name=name, **options),
                        load_settings())
    assert created.id is not None
    return created.id


def checked(engine: Engine, watch_id: int, *changes: dict[str, Any], hold: bool = False) -> int:
    """A stored check with these changes, its report queued by the hook, all in one commit
    (`hold`: as a check that is still sealing its evidence bundle queues it)."""
    with Session(engine) as session:
        row = session.get_one(Watch, watch_id)
        check = store.add_check(session, row, started_at=datetime.now(UTC), duration_ms=5,
                                status="ok", record=RECORD)
        store.add_changes(session, check, list(changes), [c["notify"] for c in changes])
        enqueue(session, row, check, list(changes), load_settings().mail, hold=hold)
        session.commit()
        assert check.id is not None
        return check.id


def rows(engine: Engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))))


def text_of(received: Any) -> str:
    body = received.message.get_body(("plain",))
    return str(body.get_content())


@pytest.fixture
def engine(migrated_db_url: str) -> Iterator[Engine]:
    """A fresh store on SQLite or PostgreSQL: the claims and the digest bundling run on both."""
    engine = store.open_store(migrated_db_url, auto_upgrade=True)
    try:
        yield engine
    finally:
        engine.dispose()


# --- SMTP down, then up --------------------------------------------------------------------------------

def test_reports_queued_while_smtp_is_down_go_out_once_in_order(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = SmtpServer(port=free_port())  # made, not started: the port refuses connections
    server.configure(monkeypatch)
    watch_id = watch(engine, "w", email="desk@example.org")
    checks = [checked(engine, watch_id, comment_added(n)) for n in range(3)]
    now = datetime.now(UTC)

    first = deliver(engine, load_settings(), now=now)
    # The first report failed (after quick retries inside the send); the target's later reports
    # waited behind it, so order is kept.
    assert [(o.status, o.check_id) for o in first] == [("queued", checks[0])]
    assert first[0].error is not None and "Connection refused" in first[0].error
    assert [r.status for r in rows(engine)] == ["queued"] * 3
    assert deliver(engine, load_settings(), now=now) == []  # backing off: not due yet

    server.start()
    try:
        later = now + timedelta(minutes=2)
        assert [o.status for o in deliver(engine, load_settings(), now=later)] == ["sent"] * 3
        received = server.wait_for(3)
        assert [f"Comment number {n}." in text_of(r) for n, r in enumerate(received)] == [True] * 3
        assert deliver(engine, load_settings(), now=later + timedelta(hours=1)) == []
        assert len(server.received) == 3
    finally:
        server.stop()
    sent = rows(engine)
    assert [r.status for r in sent] == ["sent"] * 3
    assert [r.attempts for r in sent] == [2, 1, 1]
    # The Message-ID was made when the report was queued: the retry sent that same one.
    assert [m.message["Message-ID"] for m in received] == [r.message_id for r in sent]


def test_a_claimed_report_is_not_sent_by_another_process_until_its_lease_ends(
    engine: Engine, smtp_server: SmtpServer
) -> None:
    checked(engine, watch(engine, "w", email="desk@example.org"), comment_added(1))
    (row,) = rows(engine)
    assert row.id is not None
    now = datetime.now(UTC)
    assert claim(engine, row.id, now)  # another sender holds it (and then dies)
    assert not claim(engine, row.id, now)
    assert deliver(engine, load_settings(), now=now) == []
    after = deliver(engine, load_settings(), now=now + LEASE + timedelta(seconds=1))
    assert [o.status for o in after] == ["sent"]
    assert len(smtp_server.wait_for(1)) == 1


# --- TLS and AUTH -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("security", "mechanism"), [
    ("starttls", "PLAIN"), ("starttls", "LOGIN"),
    # aiosmtpd warns about AUTH without STARTTLS even when the whole session is TLS.
    pytest.param("ssl", "PLAIN", marks=pytest.mark.filterwarnings("ignore:Requiring AUTH")),
])
def test_tls_and_auth(local_engine: Engine, trust_test_ca: TlsFiles, monkeypatch: pytest.MonkeyPatch,
                      security: str, mechanism: str) -> None:
    other = {"PLAIN": "LOGIN", "LOGIN": "PLAIN"}[mechanism]
    server = SmtpServer(security=security, tls=trust_test_ca.server_context(),
                        users={"reports": PASSWORD}, exclude_auth=(other,)).start()
    try:
        server.configure(monkeypatch)
        monkeypatch.setenv("SCRAPER_SMTP_USER", "reports")
        monkeypatch.setenv("SCRAPER_SMTP_PASSWORD", PASSWORD)
        checked(local_engine, watch(local_engine, "w", email="desk@example.org"), comment_added(1))
        assert [(o.status, o.error) for o in deliver(local_engine, load_settings())] == [("sent", None)]
        (received,) = server.wait_for(1)
        assert server.logins == [(mechanism, "reports")]
        assert received.recipients == ["desk@example.org"]
    finally:
        server.stop()


def test_an_untrusted_certificate_is_a_failure_not_a_send(
    local_engine: Engine, tls_files: TlsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = SmtpServer(security="starttls", tls=tls_files.server_context()).start()  # CA not trusted
    try:
        server.configure(monkeypatch)
        checked(local_engine, watch(local_engine, "w", email="desk@example.org"), comment_added(1))
        (outcome,) = deliver(local_engine, load_settings())
        assert outcome.status == "failed" and outcome.error is not None
        assert "certificate is not trusted" in outcome.error
        assert server.received == []
    finally:
        server.stop()


def test_a_wrong_password_is_a_clear_failure_and_never_shown(
    local_engine: Engine, trust_test_ca: TlsFiles, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    server = SmtpServer(security="starttls", tls=trust_test_ca.server_context(),
                        users={"reports": "the-right-one"}).start()
    try:
        server.configure(monkeypatch)
        monkeypatch.setenv("SCRAPER_SMTP_USER", "reports")
        monkeypatch.setenv("SCRAPER_SMTP_PASSWORD", PASSWORD)
        checked(local_engine, watch(local_engine, "w", email="desk@example.org"), comment_added(1))
        assert main(["-v", "outbox", "retry"]) == 0  # not a crash: the outbox records the failure
        assert main(["outbox"]) == 0
        human = capsys.readouterr()
        assert main(["outbox", "--json"]) == 0
        (listed,) = json.loads(capsys.readouterr().out)
    finally:
        server.stop()
    assert listed["status"] == "failed"
    assert "refused the login of 'reports'" in listed["last_error"] and "535" in listed["last_error"]
    shown = " ".join(human.out.split())  # as one line, whatever the terminal width wrapped
    assert "#1 failed" in shown and "last error: SMTP server" in shown and "refused the login" in shown
    assert PASSWORD not in human.out + human.err + json.dumps(listed)
    home = load_settings().home
    assert PASSWORD.encode() not in b"".join(p.read_bytes() for p in home.glob("scraper.db*"))
    assert server.received == []


# --- digests ------------------------------------------------------------------------------------------

def test_a_digest_covers_every_digest_watch_of_a_recipient_once(
    engine: Engine, smtp_server: SmtpServer
) -> None:
    lavrov = watch(engine, "lavrov", email="desk@example.org", digest="hourly")
    harbour = watch(engine, "harbour", email="desk@example.org", digest="hourly")
    checked(engine, lavrov, comment_added(1, "Ann"))
    checked(engine, harbour, comment_added(2, "Bob"))
    checked(engine, lavrov, comment_added(3, "Cy"))
    now = datetime.now(UTC)
    assert deliver(engine, load_settings(), now=now) == []  # parts wait for the hour
    assert [r.status for r in rows(engine)] == ["waiting"] * 3

    next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    assert [o.status for o in deliver(engine, load_settings(), now=next_hour)] == ["sent"]
    (digest,) = smtp_server.wait_for(1)
    text = text_of(digest)
    assert [name in text for name in ("Ann", "Bob", "Cy")] == [True] * 3
    assert 'watch "lavrov"' in text and 'watch "harbour"' in text
    assert str(digest.message["Subject"]).startswith("[scraper] digest: 3 new comments")

    checked(engine, harbour, comment_added(4, "Dee"))
    assert [o.status for o in deliver(engine, load_settings(), now=next_hour + timedelta(hours=1))] == [
        "sent"]
    second = smtp_server.wait_for(2)[1]
    assert "Dee" in text_of(second)
    assert [name in text_of(second) for name in ("Ann", "Bob", "Cy")] == [False] * 3
    assert len(smtp_server.received) == 2
    assert [r.status for r in rows(engine)] == ["bundled"] * 3 + ["sent", "bundled", "sent"]


# --- evidence bundles ---------------------------------------------------------------------------------

def sealed(engine: Engine, check_id: int, name: str) -> str:
    """What sealing a check's bundle commits: its `captures` row, and its reports naming it."""
    with Session(engine) as session:
        capture = store.add_capture(session, Capture(
            url=RECORD.url, final_url=RECORD.final_url, captured_at=datetime.now(UTC),
            path=f"/srv/captures/{name}", wacz=f"/srv/captures/{name}/{name}.wacz",
            package_hash=name[0] * 64, datapackage_hash="sha256:" + "0" * 64, check_id=check_id))
        link_evidence(session, capture)
        session.commit()
    return f"Evidence bundle: /srv/captures/{name}\n  {name}.wacz · SHA-256 {name[0] * 64}\n"


def test_a_report_waits_for_its_evidence_bundle_and_names_it(
    engine: Engine, smtp_server: SmtpServer
) -> None:
    watch_id = watch(engine, "w", email="desk@example.org")
    first = checked(engine, watch_id, comment_added(1), hold=True)
    second = checked(engine, watch_id, comment_added(2))
    now = datetime.now(UTC)
    # The first check is still sealing its bundle: its report waits, and the target's next one
    # waits behind it (order per target).
    assert deliver(engine, load_settings(), now=now) == []
    named = sealed(engine, first, "a-bundle")
    assert [(o.status, o.check_id) for o in deliver(engine, load_settings(), now=now)] == [
        ("sent", first), ("sent", second)]
    texts = [text_of(r).replace("\r\n", "\n") for r in smtp_server.wait_for(2)]
    assert named in texts[0] and "Evidence bundle" not in texts[1]


def test_a_report_whose_bundle_never_comes_still_goes_out(
    engine: Engine, smtp_server: SmtpServer
) -> None:
    failed = checked(engine, watch(engine, "a", email="a@example.org"), comment_added(1), hold=True)
    died = checked(engine, watch(engine, "b", email="b@example.org"), comment_added(2), hold=True)
    now = datetime.now(UTC)
    assert deliver(engine, load_settings(), now=now) == []
    release(engine, failed)  # sealing failed: the report goes without a bundle
    assert [(o.status, o.check_id) for o in deliver(engine, load_settings(), now=now)] == [
        ("sent", failed)]
    # A check that died while sealing lets its report go when its hold (a lease) runs out.
    later = now + LEASE + timedelta(seconds=1)
    assert [(o.status, o.check_id) for o in deliver(engine, load_settings(), now=later)] == [
        ("sent", died)]
    assert all("Evidence bundle" not in text_of(r) for r in smtp_server.wait_for(2))


def test_a_digest_waits_for_a_part_still_sealing_its_bundle(
    engine: Engine, smtp_server: SmtpServer
) -> None:
    harbour = watch(engine, "harbour", email="desk@example.org", digest="* * * * *")
    lavrov = watch(engine, "lavrov", email="desk@example.org", digest="* * * * *")
    checked(engine, harbour, comment_added(1, "Ann"))
    held = checked(engine, lavrov, comment_added(2, "Bob"), hold=True)
    due = max(r.due_at for r in rows(engine))  # the next minute: well within the hold
    assert deliver(engine, load_settings(), now=due) == []  # one digest, once the bundle is named
    assert [r.status for r in rows(engine)] == ["waiting", "waiting"]
    named = sealed(engine, held, "lavrov-bundle")
    assert [o.status for o in deliver(engine, load_settings(), now=due)] == ["sent"]
    (digest,) = smtp_server.wait_for(1)
    text = text_of(digest).replace("\r\n", "\n")
    assert "Ann" in text and "Bob" in text and named in text and text.count("Evidence bundle") == 1


# --- other channels -----------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["json", "form"])
def test_apprise_channel(local_engine: Engine, http_recorder: Recorder, scheme: str,
                         capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_TOKEN", "s3cr3t-token")  # a watch names it; it is read at sending
    url = f"{scheme}://{http_recorder.origin}/hook/${{ENV:HOOK_TOKEN}}"
    watch_id = watch(local_engine, "w", notify=[url])
    checked(local_engine, watch_id, comment_added(1, "Ann"))
    assert [o.status for o in deliver(local_engine, load_settings())] == ["sent"]
    (request,) = http_recorder.requests
    assert request.path == "/hook/s3cr3t-token"
    body = request.body.decode()
    fields = json.loads(body) if scheme == "json" else {k: v[0] for k, v in parse_qs(body).items()}
    assert fields["title"] == "[scraper] 1 new comment · Harbour lights return"
    assert "Comment number 1." in fields["message"]
    # The token is a secret: stored nowhere but the watch, shown nowhere.
    assert all("s3cr3t" not in r.target and "s3cr3t" not in r.target_key for r in rows(local_engine))
    assert main(["outbox"]) == 0 and main(["watch", "show", "w", "--json"]) == 0
    assert "s3cr3t" not in capsys.readouterr().out
    assert b"s3cr3t" not in (load_settings().home / "scraper.db").read_bytes()


def test_a_channel_variable_not_set_fails_until_it_is(
    local_engine: Engine, http_recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOOK_URL", raising=False)
    checked(local_engine, watch(local_engine, "w", notify=["${ENV:HOOK_URL}"]), comment_added(1))
    (outcome,) = deliver(local_engine, load_settings())
    assert (outcome.status, outcome.error) == (  # a setting to fix: not retried on its own
        "failed", f"${{ENV:HOOK_URL}} (#{rows(local_engine)[0].target_key[4:10]}): environment "
        "variable HOOK_URL is not set (it is named by ${ENV:HOOK_URL})")
    assert http_recorder.requests == []
    monkeypatch.setenv("HOOK_URL", f"http://{http_recorder.origin}/hooks/s3cr3t")  # a webhook
    assert main(["outbox", "retry"]) == 0
    assert [r.status for r in rows(local_engine)] == ["sent"]
    (request,) = http_recorder.requests
    assert request.path == "/hooks/s3cr3t" and json.loads(request.body)["reports"][0]["watch"] == "w"


def test_webhook_gets_the_change_list_as_json(local_engine: Engine, http_recorder: Recorder) -> None:
    watch_id = watch(local_engine, "w", notify=[f"http://{http_recorder.origin}/"])
    change = comment_added(1, "Ann")
    check_id = checked(local_engine, watch_id, change)
    assert [o.status for o in deliver(local_engine, load_settings())] == ["sent"]
    (request,) = http_recorder.requests
    payload = json.loads(request.body)
    (report,) = payload["reports"]
    assert (report["watch"], report["check_id"], report["title"]) == ("w", check_id, "Harbour lights return")
    assert report["changes"] == [{k: v for k, v in change.items() if k != "notify"}]
    assert request.headers["Idempotency-Key"] == payload["message_id"] == rows(local_engine)[0].message_id


def test_a_refusing_webhook_fails_for_good(local_engine: Engine, http_recorder: Recorder) -> None:
    http_recorder.status = 410
    checked(local_engine, watch(local_engine, "w", notify=[f"http://{http_recorder.origin}/"]),
            comment_added(1))
    (outcome,) = deliver(local_engine, load_settings())
    tag = rows(local_engine)[0].target_key[4:10]
    assert (outcome.status, outcome.error) == (
        "failed", f"http://{http_recorder.origin}/… (#{tag}) answered HTTP 410")


# --- the embedded default: .eml files ------------------------------------------------------------------

def test_without_smtp_reports_are_eml_files(local_engine: Engine) -> None:
    checked(local_engine, watch(local_engine, "w", email="desk@example.org"), comment_added(1))
    assert [o.status for o in deliver(local_engine, load_settings())] == ["sent"]
    (eml,) = (load_settings().home / "outbox").glob("*.eml")
    assert b"Comment number 1." in eml.read_bytes() and b"To: desk@example.org" in eml.read_bytes()
    assert main(["outbox", "retry"]) == 0  # nothing left to send: no second file
    assert len(list((load_settings().home / "outbox").glob("*.eml"))) == 1


def test_nothing_to_report_queues_nothing(local_engine: Engine) -> None:
    quiet = watch(local_engine, "quiet")  # no recipient, no channel, no default
    checked(local_engine, quiet, comment_added(1))
    told = watch(local_engine, "told", email="desk@example.org")
    checked(local_engine, told, {**comment_added(2), "notify": False})
    assert rows(local_engine) == []
