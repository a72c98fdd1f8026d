"""The add/edit form of a watch: its options declared once (label, kind, help), read into the same
`WatchSpec` the CLI builds, validated by the same `watch_fields`, with each error put next to the
option it names.

(The CLI's own declaration of watch options may move to a shared module; this table follows it.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from scraper.changes import CHANGE_KINDS
from scraper.errors import InputError
from scraper.settings import Settings
from scraper.store import Watch
from scraper.urls import check_url
from scraper.watches import WatchSpec, watch_fields

Kind = Literal["text", "lines", "number", "checkbox", "kinds"]


@dataclass(frozen=True)
class Option:
    name: str  # the form field, and the CLI's --option with - for _
    label: str
    kind: Kind
    help: str
    placeholder: str = ""


OPTIONS: tuple[Option, ...] = (
    Option("url", "URL", "text", "The page to watch (http or https).", "https://example.org/post"),
    Option("name", "Name", "text", "A unique name (default: from the URL)."),
    Option("profile", "Profile", "text", "Profile name (default: detect).", "wordpress"),
    Option("every", "Every", "text", "Interval: 30s, 15m, 2h, 1d.", "15m"),
    Option("cron", "Cron", "text", "Or a cron expression (UTC), e.g. 0 * * * *."),
    Option("email", "E-mail", "text", "Where change reports go.", "you@example.org"),
    Option("digest", "Digest", "text", "Send reports as a digest: hourly, daily or a cron expression."),
    Option("notify", "Notify", "lines", "Also report to these Apprise or webhook URLs (one a line)."),
    Option("notify_on", "Notify on", "kinds", "Report only these change kinds (none ticked: all)."),
    Option("ignore", "Ignore", "lines", "Selectors to drop before extraction (one a line)."),
    Option("normalise", "Normalise", "lines", "REGEX or REGEX=>REPLACEMENT (one a line)."),
    Option("confirm", "Confirm", "number", "Report a change once seen in N checks in a row."),
    Option("evidence_on_change", "Evidence on change", "checkbox",
           "A check that finds changes also leaves a signed evidence bundle."),
)
KINDS = CHANGE_KINDS
_OPTION = re.compile(r"--([a-z][a-z-]*)")


class FormErrors(Exception):
    """Errors by field name ("" for the form as a whole)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k or 'form'}: {v}" for k, v in errors.items()))
        self.errors = errors


def _lines(value: Any) -> list[str]:
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def _text(value: Any) -> str | None:
    text = str(value or "").strip()
    return text or None


def values_of(watch: Watch) -> dict[str, Any]:
    """The form's values for an existing watch."""
    return {
        "url": watch.url, "name": watch.name, "profile": watch.profile or "",
        "every": watch.schedule if watch.schedule_kind == "interval" else "",
        "cron": watch.schedule if watch.schedule_kind == "cron" else "",
        "email": watch.email or "", "digest": watch.digest or "",
        "notify": "\n".join(watch.notify), "notify_on": list(watch.notify_on or []),
        "ignore": "\n".join(watch.ignore),
        "normalise": "\n".join(r["regex"] + (f"=>{r['replace']}" if r.get("replace") else "")
                               for r in watch.normalise),
        "confirm": watch.confirm, "evidence_on_change": watch.evidence_on_change,
    }


def where(error: InputError, default: str = "") -> str:
    """The option an error message names (`--every '5x': …` → every)."""
    found = _OPTION.search(str(error))
    return found.group(1).replace("-", "_") if found else default


def spec_from(values: dict[str, Any], settings: Settings) -> WatchSpec:
    """Read the submitted values into a WatchSpec and check them all; FormErrors says which field."""
    errors: dict[str, str] = {}
    confirm_raw = str(values.get("confirm") or "1").strip()
    if not confirm_raw.isdigit():
        errors["confirm"] = f"--confirm {confirm_raw!r}: give a whole number of checks"
    notify_on = values.get("notify_on") or []
    spec = WatchSpec(
        url=str(values.get("url") or "").strip(), name=_text(values.get("name")),
        profile=_text(values.get("profile")), every=_text(values.get("every")),
        cron=_text(values.get("cron")), email=_text(values.get("email")),
        notify_on=list(notify_on) if notify_on else None, ignore=_lines(values.get("ignore")),
        normalise=[(tuple(r.split("=>", 1)) if "=>" in r else (r, ""))  # type: ignore[misc]
                   for r in _lines(values.get("normalise"))],
        confirm=int(confirm_raw) if confirm_raw.isdigit() else 1, digest=_text(values.get("digest")),
        notify=_lines(values.get("notify")),
        evidence_on_change=bool(values.get("evidence_on_change")),
    )
    if errors:
        raise FormErrors(errors)
    return check_spec(spec, settings)


def check_spec(spec: WatchSpec, settings: Settings) -> WatchSpec:
    """The CLI's checks (`watch_fields`), with the error put on the field it names."""
    try:
        check_url(spec.url)
    except InputError as exc:
        raise FormErrors({"url": str(exc)}) from None
    try:
        watch_fields(spec, settings)
    except InputError as exc:
        message = str(exc)
        raise FormErrors({where(exc, "notify_on" if "notify_on" in message else ""): message}) from None
    return spec
