"""What `scraper run` shows: one line per check, a live status on a terminal, JSON for shippers.

- `text` (default): `12:03:06  blog-post  ok  1.2s  2 new comments` on stdout, one per check;
- `json`: the same facts as one JSON object per line (stdout), and the log as JSON too (stderr);
- on a terminal, with `text`, a live panel below the lines: running checks, the next due, the last
  changes and the watches failing now.
Every piece of outside text (names, summaries, errors) goes through `safe_line` and rich `Text`.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from scraper.base.terminal import safe_line
from scraper.base.times import iso_now
from scraper.daemon.dispatch import DispatchStats
from scraper.daemon.executor import CheckOutcome
from scraper.model.changes import summarise

LOG_FORMATS = ("text", "json")


def facts(outcome: CheckOutcome) -> dict[str, Any]:
    """The check as data: watch, status, duration, change summary (escaped)."""
    result, task = outcome.result, outcome.task
    data: dict[str, Any] = {"time": iso_now(),
                            "watch": safe_line(task.name), "watch_id": task.watch_id,
                            "duration_s": round(outcome.duration, 2)}
    if result is None:
        data.update(status="skipped", check_id=None, changes=None,
                    error=safe_line(outcome.skipped or ""))
        return data
    check = result.check
    reported = [c for c in result.changes if c.notify]
    status = check.status
    if status == "ok" and result.baseline:
        status = "baseline"
    elif status == "ok" and result.pending:
        status = "pending"
    data.update(status=status, check_id=check.id,
                changes=safe_line(summarise(reported)) if reported else None,
                error=safe_line(check.error) if check.error else None, error_kind=check.error_kind)
    return data


def line(data: dict[str, Any]) -> Text:
    style = {"ok": "green", "baseline": "cyan", "pending": "yellow", "failed": "red",
             "mismatch": "magenta", "skipped": "dim"}.get(data["status"], "")
    text = Text(f"{data['time'][11:19]}  ")
    text.append(data["watch"], style="bold")
    text.append("  ")
    text.append(data["status"], style=style)
    text.append(f"  {data['duration_s']:.1f}s  ")
    text.append(data["error"] or data["changes"] or "no changes")
    return text


@dataclass(frozen=True)
class _Drawn:
    """Drawn anew at each refresh of the live panel."""

    draw: Callable[[], Group]

    def __rich__(self) -> Group:
        return self.draw()


class CheckPrinter:
    """The daemon's listener: prints each finished check; keeps what the live panel shows."""

    def __init__(self, log_format: str = "text", stream: TextIO | None = None,
                 live: bool | None = None) -> None:
        self.log_format = log_format
        self.stream = stream or sys.stdout
        self.console = Console(file=self.stream, highlight=False, soft_wrap=True)
        self.live_wanted = self.console.is_terminal if live is None else live
        self.recent: deque[dict[str, Any]] = deque(maxlen=5)
        self.failing: dict[str, dict[str, Any]] = {}
        self.count = 0
        # Two locks, never one inside the other's holder: `_lock` guards the state the panel
        # reads (taken by the panel's redraw, which a print on a terminal runs); `_out` keeps the
        # lines whole. A print under `_lock` redrew the panel, which waited for `_lock`: a hang.
        self._lock = threading.Lock()
        self._out = threading.Lock()

    def __call__(self, outcome: CheckOutcome) -> None:
        data = facts(outcome)
        with self._lock:
            self.count += 1
            if data["changes"]:
                self.recent.append(data)
            if data["status"] == "failed":
                self.failing[data["watch"]] = data
            elif data["status"] != "skipped":
                self.failing.pop(data["watch"], None)
        with self._out:
            if self.log_format == "json":
                self.stream.write(json.dumps(data, ensure_ascii=False) + "\n")
                self.stream.flush()
            else:
                self.console.print(line(data))

    def live(self, stats: Callable[[], DispatchStats],
             next_due: Callable[[], list[tuple[str, datetime]]]) -> Live | None:
        """A rich Live panel refreshed from the daemon's state, or None off a terminal."""
        if not self.live_wanted or self.log_format != "text":
            return None

        panel = _Drawn(lambda: self._panel(stats(), next_due()))
        return Live(panel, console=self.console, refresh_per_second=2, transient=True)

    def _panel(self, stats: DispatchStats, upcoming: list[tuple[str, datetime]]) -> Group:
        table = Table(box=None, show_header=False, pad_edge=False)
        now = datetime.now(UTC)
        with self._lock:
            running = [Text(f"{safe_line(task.name)}") for task, _ in stats.running.values()]
            recent = [Text(f"{d['watch']}: {d['changes']}") for d in self.recent]
            failing = [Text(f"{d['watch']}: {d['error']}") for d in self.failing.values()]
            count = self.count
        due = [Text(f"{safe_line(name)} in {max((at - now).total_seconds(), 0):.0f}s")
               for name, at in upcoming[:3]]
        for title, rows in (("running", running), ("next", due), ("changes", recent),
                            ("failing", failing)):
            table.add_row(Text(title, style="bold"), Text(", ").join(rows) if rows else Text("-"))
        summary = Text(f"{count} checks, {stats.queued} queued", style="dim")
        return Group(summary, table)
