"""Watches as data (`--json`) and as people read them: one watch field by field, or a table.

Both come from `watch_data` (`scraper.service.summary`, which the dashboard uses too), so the JSON
and the terminal always say the same thing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from scraper.base.terminal import safe
from scraper.base.times import from_iso

STATUS_STYLE = {"ok": "green", "failed": "red", "mismatch": "yellow"}


def ago(stamp: str | None, now: datetime | None = None) -> str:
    """`2026-02-02 10:15 UTC (3 h ago)`, or `never`."""
    if stamp is None:
        return "never"
    return f"{stamp[:10]} {stamp[11:16]} UTC ({relative(stamp, now)})"


def relative(stamp: str, now: datetime | None = None) -> str:
    """`3h ago`, `in 12m`, or `now` (within a minute)."""
    moment = from_iso(stamp)
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if abs(seconds) < 60:
        return "now"
    size, unit = next((size, unit) for size, unit in ((86400, "d"), (3600, "h"), (60, "m"))
                      if abs(seconds) >= size)
    span = f"{int(abs(seconds) // size)}{unit}"
    return f"{span} ago" if seconds > 0 else f"in {span}"


def _schedule(data: dict[str, Any]) -> str:
    schedule = data["schedule"]
    if schedule is None:
        return "manual (scraper check)"
    spec = schedule["spec"]
    shown = f"every {spec}" if schedule["kind"] == "interval" else f"cron {spec} (UTC)"
    return shown + (" · paused" if data["paused"] else "")


def _profile(data: dict[str, Any]) -> str:
    source = data["profile_source"]
    if source["from"] == "detect":
        return "detected on each check"
    missing = " — MISSING" if source["missing"] else ""
    where = {"file": "file", "built-in": "built-in", "folder": "from"}[source["from"]]
    return f"{source['name']} ({where} {source['file'] or ''}{missing})".replace(" )", ")")


def _render(data: dict[str, Any]) -> str:
    """The watch's render mode and the path its last check took."""
    mode = data.get("render") or "the profile's (auto by default)"
    last = data["last_check"]
    path = last.get("render_path") if last else None
    return f"{mode}; last check: {path}" if path else mode


def _last_check(data: dict[str, Any]) -> Text:
    last = data["last_check"]
    if last is None:
        return Text("never")
    text = Text(ago(last["started_at"]) + " · ")
    text.append(last["status"], style=STATUS_STYLE.get(last["status"], ""))
    if last["error"]:
        text.append(f": {safe(last['error'])}", style="red")
    return text


def _fetch(fetch: dict[str, Any]) -> str:
    parts = [f"user agent {fetch['user_agent']}"] if "user_agent" in fetch else []
    parts += [f"header {k}: {v}" for k, v in fetch.get("headers", {}).items()]
    parts += [f"cookie {k}={v}" for k, v in fetch.get("cookies", {}).items()]
    parts += [f"{k} {fetch[k]}" for k in ("proxy", "locale", "timezone", "viewport") if k in fetch]
    return "\n".join(parts)


def _steps(actions: list[dict[str, Any]]) -> str:
    return "\n".join(f"{i}. " + ", ".join(f"{k}: {v}" for k, v in a.items())
                     for i, a in enumerate(actions, 1))


def render_watch(data: dict[str, Any]) -> RenderableType:
    """One watch, field by field; empty settings left out."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    notify = ", ".join(data["notify_on"]) if data["notify_on"] else "every change kind"
    rules = [f"{r['regex']} => {r['replace']!r}" for r in data["normalise"]]
    rows: list[tuple[str, str | Text]] = [
        ("watch", f"{data['id']} ({data['name']})"),
        ("url", data["url"]),
        ("profile", _profile(data)),
        ("schedule", _schedule(data)),
        ("next run", ago(data["next_run"]) if data["next_run"] else "—"),
        ("last check", _last_check(data)),
        ("last change", ago(data["last_change"])),
        ("tags", ", ".join(data["tags"])),
        ("email", data["email"] or ""),
        ("channels", "\n".join(data["notify"])),
        ("reports", notify + (f"; as a digest, {data['digest']} (UTC)" if data["digest"] else "")),
        ("alerts on", "\n".join(f"/{p}/" for p in data.get("alert_on") or [])),
        ("confirm", f"a change is reported once seen in {data['confirm']} checks in a row"
         if data["confirm"] > 1 else ""),
        ("evidence", "a check that reports changes leaves a signed bundle"
         if data["evidence_on_change"] else ""),
        ("screenshots", "a check that reports changes keeps a picture of each changed item"
         if data["screenshots"] else ""),
        ("ignore", "\n".join(data["ignore"])),
        ("normalise", "\n".join(rules)),
        ("fetch", _fetch(data["fetch"])),
        ("render", _render(data)),
        ("steps", _steps(data["actions"])),
        ("created", ago(data["created_at"])),
    ]
    for key, value in rows:
        if value:
            table.add_row(key, value if isinstance(value, Text) else Text(safe(value)))
    return table


def render_list(rows: list[dict[str, Any]], width: int = 80, *, wide: bool = False) -> Table:
    """The watches as a table that fits `width`: the url cut in the middle, the name at its end,
    then the last change, the schedule, the tags dropped in that order (`wide`: all, whole). The tags
    column only when some watch has tags."""
    from scraper.cli.fit import Column, fitted

    tagged = any(data["tags"] for data in rows)
    columns = [Column("id"), Column("name", cut="end", least=16), Column("url", cut="middle", least=28),
               *([Column("tags", priority=2, cut="end", least=10)] if tagged else []),
               Column("schedule", priority=3, cut="end", least=10), Column("checked"),
               Column("changed", priority=4), Column("next", priority=1)]
    cells = []
    for data in rows:
        last = data["last_check"]
        checked = Text("never", style="dim") if last is None else Text(
            relative(last["started_at"]) + " ").append(last["status"],
                                                       style=STATUS_STYLE.get(last["status"], ""))
        due = ("paused" if data["paused"] else relative(data["next_run"]) if data["next_run"]
               else "manual")
        row: list[str | Text] = [str(data["id"]), Text(safe(data["name"])), Text(safe(data["url"]))]
        row += [Text(safe(", ".join(data["tags"])))] if tagged else []
        schedule = data["schedule"]
        shown = "manual" if schedule is None else (
            f"every {schedule['spec']}" if schedule["kind"] == "interval" else f"cron {schedule['spec']}")
        row += [shown, checked, relative(data["last_change"]) if data["last_change"] else "never", due]
        cells.append(row)
    return fitted(columns, cells, width, wide=wide)
