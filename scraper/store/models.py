"""The tables: watches, the checks run on them, the snapshots those checks captured, the changes.

Datetimes are timezone-aware UTC in Python on every backend. PostgreSQL stores them as
`timestamp with time zone`; SQLite has no such type, so the UTC wall time is stored as naive text
and UTC is put back on read (`UTCDateTime`). A naive datetime is refused on write: it is always a
bug (local time sneaking in), and catching it here keeps both backends equal.

These classes must match the migrations in `migrations/versions/`; `tests/test_migrations.py`
compares them, so change both together (a new migration, never an edited one).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

CheckStatus = Literal["ok", "failed", "mismatch"]
# waiting: a digest's part, until the digest is due; queued: a message to send (again at `due_at`);
# sent; failed: given up (a permanent refusal, or too many attempts); bundled: sent inside a digest.
OutboxStatus = Literal["waiting", "queued", "sent", "failed", "bundled"]
ScheduleKind = Literal["interval", "cron"]

# Names for the constraints the models do not name themselves (FKs declared with Field): fixed names
# let later migrations drop or alter them on every backend, and they match the migration scripts.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}

# Our own registry, not SQLModel's global one: the store's metadata holds exactly its tables, and
# the naming convention does not leak into anyone else's models.
_registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))
metadata = _registry.metadata


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the backend stores."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: store timezone-aware UTC")
        value = value.astimezone(UTC)
        # SQLite keeps text; without the offset, the text sorts in time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StoreModel(SQLModel, registry=_registry):
    """Base of the store's tables (abstract: SQLModel marks a class given a registry so)."""


class Watch(StoreModel, table=True):
    """A page checked on a schedule (or by hand), with its confirmation state."""

    __tablename__ = "watches"
    __table_args__ = (
        UniqueConstraint("name", name="uq_watches_name"),
        CheckConstraint("schedule_kind IN ('interval', 'cron')", name="ck_watches_schedule_kind"),
        CheckConstraint("confirm >= 1", name="ck_watches_confirm"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str
    url: str
    profile: str | None = None
    schedule_kind: str | None = None  # ScheduleKind; null = manual only
    schedule: str | None = None  # "15m" or a cron expression
    email: str | None = None
    # none_as_null: "all kinds" must be SQL NULL, not the JSON text 'null'.
    notify_on: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    ignore: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    normalise: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    confirm: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    paused: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    # Confirmation state. use_alter: watches -> checks -> watches is a cycle; without it SQLAlchemy
    # cannot order the tables for CREATE/DROP or flushes.
    base_check_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey(
                "checks.id",
                ondelete="SET NULL",
                use_alter=True,
                name="fk_watches_base_check_id_checks",
            ),
            nullable=True,
        ),
    )
    pending_hash: str | None = None
    pending_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The profile file the watch reads (`--profile ./mine.yaml`); null: `profile` is a name looked
    # up in the profile folders (or null too: detected on each check).
    profile_file: str | None = None
    # That file's text when the watch was added or edited: read where the file is not (a worker on
    # another machine, scraper.pipeline.check.profile_ref).
    profile_text: str | None = Field(default=None, sa_type=Text)
    tags: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # Fetch settings (scraper.model.fetch.Fetch, the keys that are set). Secrets only as ${ENV:NAME}.
    fetch: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    # Browser steps run right after the page loads (logins, consent walls), as in a profile.
    actions: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # Who is checking the watch now, until when (see `lease`): one check of a watch at a time.
    lease_owner: str | None = None
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Change reports: None = one report per check; else "hourly", "daily" or a cron expression.
    digest: str | None = None
    # Apprise / webhook URLs (secrets in them only as ${ENV:NAME}; views mask them).
    notify: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # Every check that finds changes also leaves a signed evidence bundle (see `captures`).
    evidence_on_change: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # A check that finds changes keeps a crop of each changed item's box (see `CheckCrop`).
    screenshots: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # The daemon's per-watch settings (null: the profile's, else the installation's; see daemon/).
    active_window: str | None = None  # "mon-fri 08:00-20:00 Europe/Paris": checked only then
    jitter: float | None = None  # seconds of random delay added to each scheduled time
    host_gap: float | None = None  # seconds between checks of this watch's host
    host_cap: int | None = None  # checks of this watch's host at a time
    # Its own selectors (--select): the text of those elements is what the watch compares.
    select: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # Keyword alerts: report only new or edited text matching one of these regexes (empty: all).
    alert_on: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # History retention (null: SCRAPER_KEEP / SCRAPER_KEEP_CHECKS): checks without changes older
    # than `keep` ("90d") or beyond the newest `keep_checks` are pruned.
    keep: str | None = None
    keep_checks: int | None = None
    # auto, always or never (null: the profile's, else auto): whether its page needs the browser.
    render: str | None = None


class Heartbeat(StoreModel, table=True):
    """A scheduler (`scraper run`, `serve --with-scheduler`) saying it is alive, every `interval`
    seconds: the dashboard warns when none has been seen for two intervals."""

    __tablename__ = "heartbeats"

    owner: str = Field(primary_key=True)  # host:pid
    seen_at: datetime = Field(sa_type=UTCDateTime)
    interval: float


class CheckRequest(StoreModel, table=True):
    """A "check now" asked of the scheduler (distributed mode): the dashboard or the API writes it,
    the active scheduler admits it within its limits like a due check, and the check that answers
    it is recorded here. queued → running (admitted, on a worker) → done (`check_id`), or skipped
    (no check written: `reason`)."""

    __tablename__ = "check_requests"
    __table_args__ = (
        Index("ix_check_requests_state", "state"),
        Index("ix_check_requests_watch_id", "watch_id"),
        CheckConstraint("state IN ('queued', 'running', 'done', 'skipped')",
                        name="ck_check_requests_state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    watch_id: int = Field(foreign_key="watches.id", ondelete="CASCADE")
    state: str = "queued"
    requested_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # No foreign key: history retention may prune the check later; the request keeps its number.
    check_id: int | None = None
    reason: str | None = Field(default=None, sa_type=Text)


class Snapshot(StoreModel, table=True):
    """What a page said, stored once per distinct content however many checks saw it."""

    __tablename__ = "snapshots"

    hash: str = Field(primary_key=True)  # Record.content_hash() = sha256 of `content`
    content: str = Field(sa_type=Text)  # canonical JSON of {"article": ..., "comments": ...}
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class Check(StoreModel, table=True):
    """One run of a watch: when, how long, how it went, and what it saw (by snapshot hash)."""

    __tablename__ = "checks"
    __table_args__ = (
        Index("ix_checks_watch_id_started_at", "watch_id", "started_at"),
        # A watch's newest check (the dashboard's status, failure streak, history pages) by id.
        Index("ix_checks_watch_id_id", "watch_id", "id"),
        # remove_watch asks "does any check still use this snapshot?"
        Index("ix_checks_snapshot_hash", "snapshot_hash"),
        CheckConstraint("status IN ('ok', 'failed', 'mismatch')", name="ck_checks_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    watch_id: int = Field(foreign_key="watches.id", ondelete="CASCADE")
    started_at: datetime = Field(sa_type=UTCDateTime)
    duration_ms: int
    status: str  # CheckStatus
    error: str | None = Field(default=None, sa_type=Text)
    error_kind: str | None = None  # scraper.base.failures.FailureKind, for failed checks
    snapshot_hash: str | None = Field(default=None, foreign_key="snapshots.hash")  # null: failed
    url: str
    final_url: str | None = None
    profile: str | None = None
    # Why the capture may be incomplete (Record.warnings): a partial thread is not a removal.
    warnings: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # A watch that keeps its session (--keep-session): "kept" (still logged in, its steps skipped)
    # or "renewed" (its steps ran); None otherwise.
    session: str | None = None

    # The dispatch that ran it (`scraper run --executor dramatiq`): one row per dispatch, so a
    # message delivered twice writes nothing the second time. Null for local checks.
    dispatch_id: str | None = Field(default=None, unique=True)
    # How the record was captured (scraper.pipeline.paths): rendered, plain, or verified /
    # diverged (both, and whether their records were the same). Null: before render modes.
    render_path: str | None = None


class Change(StoreModel, table=True):
    """One change a check found, as the change detector described it."""

    __tablename__ = "changes"
    __table_args__ = (
        Index("ix_changes_check_id", "check_id"),
        Index("ix_changes_watch_id", "watch_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    check_id: int = Field(foreign_key="checks.id", ondelete="CASCADE")
    watch_id: int = Field(foreign_key="watches.id", ondelete="CASCADE")
    kind: str
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    notify: bool


class Outbox(StoreModel, table=True):
    """One report for one channel target, written in the transaction that stored its changes.

    `watch_id` and `check_id` are plain numbers, not foreign keys: a queued report outlives the
    removal of its watch (its content is all in `payload`). `target` is what may be shown (an
    address, or a channel URL with its secrets masked); `target_key` finds the real target again
    at delivery, so no channel secret is ever stored here.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due_at", "status", "due_at"),
        CheckConstraint(
            "status IN ('waiting', 'queued', 'sent', 'failed', 'bundled')", name="ck_outbox_status"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    status: str  # OutboxStatus
    target: str
    target_key: str
    watch_id: int | None = None  # None: a digest (several watches)
    check_id: int | None = None
    digest: str | None = None  # a waiting part's digest schedule
    due_at: datetime = Field(sa_type=UTCDateTime)  # when to send (or bundle) it next
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)  # a sender's lease
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_error: str | None = Field(default=None, sa_type=Text)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_id: str
    subject: str
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    bundle_id: int | None = None  # a bundled part: the digest that carried it


class Capture(StoreModel, table=True):
    """An evidence bundle on disk: by hand (`scraper capture --evidence`) or left by a watch's
    check that found changes (`check_id`)."""

    __tablename__ = "captures"
    __table_args__ = (
        Index("ix_captures_case_name_url", "case_name", "url"),
        Index("ix_captures_check_id", "check_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    url: str  # as requested
    final_url: str
    captured_at: datetime = Field(sa_type=UTCDateTime)
    path: str = Field(sa_type=Text)  # the capture folder
    wacz: str = Field(sa_type=Text)  # the .wacz file
    package_hash: str  # SHA-256 of the .wacz file
    datapackage_hash: str  # "sha256:…" of its datapackage.json: what the signature covers
    case_name: str | None = None
    note: str | None = Field(default=None, sa_type=Text)
    # The bundle outlives its check: removing the watch keeps the evidence row, unlinked.
    check_id: int | None = Field(default=None, foreign_key="checks.id", ondelete="SET NULL")


class ApiToken(StoreModel, table=True):
    """A bearer token for the REST API (`scraper token create`). Only its SHA-256 is stored: the
    token itself is shown once, at creation; `prefix` lets a person tell tokens apart."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str
    prefix: str  # the token's first characters, safe to show
    token_hash: str  # sha256 hex of the whole token
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebSession(StoreModel, table=True):
    """A dashboard login (the admin's session cookie). Only the cookie's SHA-256 is stored; logging
    out revokes the row, so a copied cookie dies with the session instead of living its 12 hours."""

    __tablename__ = "web_sessions"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_web_sessions_token_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str  # sha256 hex of the cookie's value
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Crop(StoreModel, table=True):
    """A picture of one changed item as the browser drew it, stored once per distinct image."""

    __tablename__ = "crops"

    hash: str = Field(primary_key=True)  # sha256 hex of `content`
    media_type: str  # image/png
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class CheckCrop(StoreModel, table=True):
    """Which crop shows which changed item of a check (`item`: `comment:KEY`, `paragraph:N`)."""

    __tablename__ = "check_crops"
    __table_args__ = (Index("ix_check_crops_check_id", "check_id"),
                      Index("ix_check_crops_crop_hash", "crop_hash"))

    id: int | None = Field(default=None, primary_key=True)
    check_id: int = Field(foreign_key="checks.id", ondelete="CASCADE")
    item: str
    crop_hash: str = Field(foreign_key="crops.hash")
    # Where the item is in the picture: [left, top, width, height] in its pixels.
    box: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Screen(StoreModel, table=True):
    """A watch's last full-page screenshot and the boxes of its items: where a removed item's
    picture comes from (the check that last saw it), and how a check tells, before taking one,
    whether the page drew anything new (`signature`)."""

    __tablename__ = "screens"

    watch_id: int = Field(primary_key=True, foreign_key="watches.id", ondelete="CASCADE")
    check_id: int | None = None  # the check that took it
    signature: str  # sha256 of the items' texts as drawn
    image: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # JPEG
    boxes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    taken_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
