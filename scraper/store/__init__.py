"""The storage edge: watches, checks, snapshots and changes in SQLite or PostgreSQL.

`db` opens engines and migrates the schema; `repo` reads and writes through a `sqlmodel.Session`;
`models` holds the tables. Datetimes are timezone-aware UTC everywhere (see `models`).
"""

from .captures import add_capture, capture_for_check, captured_urls, list_captures
from .db import (
    alembic_config,
    current_revision,
    database_url,
    head_revision,
    make_engine,
    open_store,
    upgrade,
)
from .models import Capture, Change, Check, CheckStatus, ScheduleKind, Snapshot, Watch, metadata
from .repo import (
    add_changes,
    add_check,
    add_watch,
    changes_for_check,
    find_watch_by_name,
    find_watch_by_url,
    get_check,
    get_watch,
    last_check_with_snapshot,
    list_checks,
    list_watches,
    load_record,
    put_snapshot,
    remove_watch,
    set_paused,
    snapshot_content,
)

__all__ = [
    "Capture",
    "Change",
    "Check",
    "CheckStatus",
    "ScheduleKind",
    "Snapshot",
    "Watch",
    "add_capture",
    "add_changes",
    "add_check",
    "add_watch",
    "alembic_config",
    "capture_for_check",
    "captured_urls",
    "changes_for_check",
    "current_revision",
    "database_url",
    "find_watch_by_name",
    "find_watch_by_url",
    "get_check",
    "get_watch",
    "head_revision",
    "last_check_with_snapshot",
    "list_captures",
    "list_checks",
    "list_watches",
    "load_record",
    "make_engine",
    "metadata",
    "open_store",
    "put_snapshot",
    "remove_watch",
    "set_paused",
    "snapshot_content",
    "upgrade",
]
