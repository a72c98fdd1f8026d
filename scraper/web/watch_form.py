"""The add/edit form of a watch: the options `scraper.watches.options` declares (as `watch add`,
`watch edit` and watch files take them), checked by the watch service, each problem put on the
field it names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scraper.base.errors import Conflict, DomainError
from scraper.model.changes import CHANGE_KINDS
from scraper.watches.options import OPTIONS, Option

KINDS = CHANGE_KINDS
# Options whose values may carry secrets (channel tokens, cookies, a proxy's password): the edit
# form never shows them; left empty, they stay as they are.
SECRET = frozenset({"notify", "cookies", "proxy"})


@dataclass(frozen=True)
class Field:
    option: Option
    label: str
    widget: str  # text, number, lines, checkbox, kinds
    group: str = "advanced"
    placeholder: str = ""


# The form in groups, in this order; an option not named below (a new one) lands in "advanced"
# with its key as label until it gets words of its own here.
GROUPS = (("page", "The page"), ("schedule", "Schedule"), ("reports", "Reports"),
          ("fetch", "Fetching the page"), ("advanced", "Advanced"))
# key: (group, label, placeholder)
WORDS: dict[str, tuple[str, str, str]] = {
    "name": ("page", "Name", "default: from the address"),
    "profile": ("page", "Profile", "detected on each check"),
    "tags": ("page", "Tags", "news"),
    "paused": ("page", "Add it paused (no scheduled checks until resumed)", ""),
    "every": ("schedule", "Check every", "15m, 2h, 1d"),
    "cron": ("schedule", "…or on a cron schedule (UTC)", "0 8 * * 1-5"),
    "active_window": ("schedule", "Only check within", "mon-fri 08:00-20:00 Europe/Paris"),
    "jitter": ("schedule", "Random delay added to each check", "30s"),
    "confirm": ("schedule", "Report a change once seen in this many checks in a row", ""),
    "email": ("reports", "Email the reports to", "desk@example.org"),
    "notify": ("reports", "Also send them to (channel URLs or @names)", "@team-slack"),
    "digest": ("reports", "Send them as a digest", "hourly, daily or a cron expression"),
    "notify_on": ("reports", "Report only these kinds of change", ""),
    "alert_on": ("reports", "Report only text matching (regular expressions)", "cease-?fire"),
    "evidence_on_change": ("reports", "Keep a signed evidence bundle of every change", ""),
    "user_agent": ("fetch", "User-Agent", "default: the browser's"),
    "headers": ("fetch", "HTTP headers", "Accept-Language: fr"),
    "cookies": ("fetch", "Cookies", "session=${ENV:SESSION}"),
    "proxy": ("fetch", "Proxy", "socks5://127.0.0.1:1080"),
    "locale": ("fetch", "Browser language", "fr-FR"),
    "timezone": ("fetch", "Browser time zone", "Europe/Paris"),
    "viewport": ("fetch", "Window size", "1280x800"),
    "actions": ("fetch", "Browser steps after the page loads", '{click: "button.accept", max: 1}'),
    "ignore": ("advanced", "Ignore these elements (CSS selectors)", "#ads"),
    "normalise": ("advanced", "Rewrite text before comparing", r"\d+ minutes ago=>"),
    "host_gap": ("advanced", "Seconds between two checks of this site", ""),
    "host_cap": ("advanced", "Checks of this site at a time", ""),
    "keep": ("advanced", "Prune checks without changes older than", "90d"),
    "keep_checks": ("advanced", "…or beyond the newest this many", "1000"),
}


def _widget(o: Option) -> str:
    if o.key == "notify_on":
        return "kinds"
    if o.flag:
        return "checkbox"
    if o.many or o.pairs:
        return "lines"
    return "number" if o.type is int else "text"


def _field(o: Option) -> Field:
    group, label, placeholder = WORDS.get(o.key, ("advanced", o.key.replace("_", " ").capitalize(), ""))
    return Field(o, label, _widget(o), group, placeholder)


FIELDS = tuple(_field(o) for o in OPTIONS)


def grouped() -> list[tuple[str, str, list[Field]]]:
    """(id, title, fields) per group, in GROUPS' order."""
    return [(key, title, [f for f in FIELDS if f.group == key]) for key, title in GROUPS]


class FormErrors(Exception):
    """Problems by field (the option's key, "url", or "" for the form as a whole)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k or 'form'}: {v}" for k, v in errors.items()))
        self.errors = errors


def errors_of(error: DomainError) -> dict[str, str]:
    """A domain error by field, as the form shows it (the first problem of each field)."""
    if not error.faults:
        message = str(error)
        if isinstance(error, Conflict) and error.override:
            message += " (tick the box below to watch it anyway)"
        return {error.where or "url": message}
    errors: dict[str, str] = {}
    for fault in error.faults:
        errors.setdefault(fault.field, fault.text())
    return errors


def _line(key: str, item: Any) -> str:
    if key == "normalise":
        return str(item["regex"]) + (f"=>{item['replace']}" if item.get("replace") else "")
    if key == "actions":
        import yaml

        return str(yaml.safe_dump(item, default_flow_style=True, width=1000)).strip()
    return str(item)


def values_of(url: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values for an existing watch, from its options (secret-bearing ones left out)."""
    values: dict[str, Any] = {"url": url}
    for key, value in options.items():
        if key in SECRET or key == "notify_on":
            values[key] = value if key == "notify_on" else ""
        elif isinstance(value, list):
            values[key] = "\n".join(_line(key, v) for v in value)
        elif isinstance(value, dict):
            values[key] = "\n".join(f"{k}: {v}" if key == "headers" else f"{k}={v}" for k, v in value.items())
        else:
            values[key] = "" if value is None else value
    return values


def submitted(form: Any) -> dict[str, Any]:
    """The raw values of a posted form."""
    values: dict[str, Any] = {"url": str(form.get("url") or "").strip(),
                              "allow_duplicate": bool(form.get("allow_duplicate"))}
    for f in FIELDS:
        values[f.option.key] = form.getlist(f.option.key) if f.widget == "kinds" else form.get(f.option.key)
    return values


def options_from(values: Mapping[str, Any], *, keep_secrets: bool) -> dict[str, Any]:
    """The options the form gives, as a watch file would hold them; FormErrors for a value that
    cannot even be read (a step that is not YAML, a header without a name)."""
    options: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in FIELDS:
        o, raw = f.option, values.get(f.option.key)
        if f.widget == "kinds":
            options[o.key] = list(raw or [])
            continue
        if f.widget == "checkbox":
            options[o.key] = bool(raw)
            continue
        text = str(raw or "").strip()
        if o.key in SECRET and keep_secrets and not text:
            continue  # not shown, not changed
        try:
            if f.widget == "lines":
                options[o.key] = o.from_cli([line.strip() for line in text.splitlines() if line.strip()])
            elif f.widget == "number":
                options[o.key] = int(text) if text else None
            else:
                options[o.key] = text or None
        except ValueError as exc:
            errors[o.key] = f"{o.cli}: {exc}" if f.widget != "number" else \
                f"{o.cli} {text!r}: give a whole number"
    if errors:
        raise FormErrors(errors)
    return options
