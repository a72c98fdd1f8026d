"""Checking a watch's options, all of them at once, and turning them into the watch's columns.

Options arrive from the command line (`watch add`, `watch edit`, `check URL`), from watch files and
from `watch export`'s output, always in the shape `scraper.watches.options` declares. A `Problem` names the
option at fault by its key; the caller words it (`--every` on the command line, `every:` in a file, at
its line), and `words` names the other options a message mentions (the key itself by default).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import TypeAdapter, ValidationError

from scraper.base.envref import env_names
from scraper.base.errors import InputError
from scraper.base.urls import check_url
from scraper.config.settings import EMAIL_ADDRESS, Settings
from scraper.model.changes import CHANGE_KINDS
from scraper.model.fetch import RENDER_MODES, Fetch, shown_proxy
from scraper.model.schedule import Schedule, parse_cron, parse_every
from scraper.profiles import is_profile_file, load_profile_file, load_profiles
from scraper.profiles.regexes import check_regex
from scraper.profiles.schema import Action, check_selector
from scraper.watches.options import BY_KEY, OPTIONS
from scraper.watches.politeness import MAX_GAP, MAX_JITTER, check_host_cap, check_seconds, check_window

if TYPE_CHECKING:
    from scraper.store import Watch

_TAG = re.compile(r"^[^\s,]{1,64}$")
_SECRET_FIELD = re.compile(r"pass|pwd|secret|token|otp|pin\b", re.I)
_ACTION = TypeAdapter(Action)
# More checks in a row than anyone would wait for before hearing of a change.
MAX_CONFIRM = 1000
FETCH_KEYS = tuple(o.key for o in OPTIONS if o.stored_in == "fetch")
Words = Callable[[str], str]


@dataclass(frozen=True)
class Problem:
    key: str  # the option at fault
    message: str
    item: int | str | None = None  # the list index or mapping key at fault, if one
    value: Any = None  # the single value at fault, when the message does not show it

    def text(self) -> str:
        """The message, after the value at fault when there is one: `'5 minutes': give …`."""
        return self.message if self.value is None else f"{self.value!r}: {self.message}"


DEFAULT_NAME_WIDTH = 40


def default_name(url: str) -> str:
    """The URL's last path segment (`russia-seeks-honest-cooperation`), else its host; at most
    40 characters, cut at a word boundary. (The page's title is not known until it is checked.)"""
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed URL: its own problem is reported, this name is never used
        return url[:DEFAULT_NAME_WIDTH]
    segments = [p for p in parts.path.split("/") if p]
    last = segments[-1] if segments else ""
    for suffix in (".html", ".htm", ".php", ".aspx"):
        last = last.removesuffix(suffix)
    if last.lower() in ("", "index", "default", "comments", "amp"):
        last = segments[-2] if len(segments) > 1 else ""
    name = last or parts.hostname or "watch"
    if name.isdigit():  # /p/12345: all digits would read as an id
        name = f"{parts.hostname}-{name}"
    if len(name) > DEFAULT_NAME_WIDTH:
        cut = name[:DEFAULT_NAME_WIDTH]
        boundary = max(cut.rfind(c) for c in "-_.")
        name = cut[:boundary] if boundary >= DEFAULT_NAME_WIDTH // 2 else cut
    return name


# The longest value a watch keeps of each kind: no honest name, URL or selector comes near.
MAX_LENGTH = {"name": 200, "url": 8192}
MAX_TEXT = 4096  # any other text: a selector, a regex, an address, a channel URL, a step's value
MAX_ITEMS = 200  # entries of a list option (tags, ignore, notify, actions, …)


def _oversized(key: str, value: Any) -> str | None:
    """Why `value` is too large for option `key`, or None."""
    if isinstance(value, str):
        limit = MAX_LENGTH.get(key, MAX_TEXT)
        return None if len(value) <= limit else (
            f"too long: at most {limit} characters (this one has {len(value)})")
    if isinstance(value, (list, tuple, dict)):
        items = list(value.items()) if isinstance(value, dict) else list(value)
        if len(items) > MAX_ITEMS:
            return f"too many entries: at most {MAX_ITEMS} (this one has {len(items)})"
        for item in items:
            if (problem := _oversized(key, item)) is not None:
                return problem
    return None


class _Checker:
    """Checks every option, collecting problems instead of stopping at the first."""

    def __init__(self, settings: Settings, words: Words) -> None:
        self.settings = settings
        self.words = words
        self.problems: list[Problem] = []
        self._profiles: set[str] | None = None

    def run(self, key: str, check: Callable[[], Any], fallback: Any, value: Any = None) -> Any:
        """`check()`, or `fallback` with a problem noted; `value`: the one value being checked."""
        try:
            return check()
        except _ItemError as exc:
            self.problems.append(Problem(key, exc.message, exc.item))
        except (ValueError, InputError) as exc:
            self.problems.append(Problem(key, str(exc), value=value))
        return fallback

    def profile(self, ref: str | None) -> str | None:
        if ref is None:
            return None
        if is_profile_file(ref):
            path = Path(ref).expanduser().resolve()
            load_profile_file(path, self.settings.profile_dirs)  # InputError names file and line
            return str(path)
        if self._profiles is None:
            self._profiles = set(load_profiles(self.settings.profile_dirs))
        if ref not in self._profiles:
            raise ValueError("no such profile (see `scraper profile list`), "
                             "nor a profile file (a path ending .yaml)")
        return ref

    def schedule(self, every: str | None, cron: str | None) -> Schedule | None:
        if every and cron:
            raise ValueError(f"give {self.words('every')} or {self.words('cron')}, not both")
        return parse_every(every) if every else parse_cron(cron) if cron else None


class _ItemError(ValueError):
    def __init__(self, item: int | str, message: str) -> None:
        super().__init__(message)
        self.item, self.message = item, message


def _each(values: list[Any], check: Callable[[Any], Any]) -> list[Any]:
    out = []
    for i, value in enumerate(values):
        try:
            out.append(check(value))
        except ValueError as exc:
            raise _ItemError(i, str(exc)) from None
    return out


def _name(value: str | None) -> str | None:
    if value is not None and (not value.strip() or value.isdigit()):
        raise ValueError("a name is not blank and not all digits (those are ids)")
    return value


def _email(value: str | None) -> str | None:
    if value is not None and not EMAIL_ADDRESS.match(value):
        raise ValueError("not an e-mail address")
    return value


def _digest(value: str | None) -> str | None:
    from scraper.reports.digests import check_digest  # apscheduler's cron: only when needed

    return None if value is None else check_digest(value)


def _channel(url: str) -> str:
    from scraper.reports.channels import check_channel_url  # the channels (and Apprise): lazily

    return check_channel_url(url)


def _keep_checks(value: int | None) -> int | None:
    if value is not None and (not isinstance(value, int) or value < 1):
        raise ValueError("give a whole number of checks, at least 1")
    return value


def _kind(kind: str) -> str:
    if kind not in CHANGE_KINDS:
        raise ValueError(f"unknown change kind {kind!r}; allowed: {', '.join(CHANGE_KINDS)}")
    return kind


def _tag(tag: str) -> str:
    if not _TAG.match(tag):
        raise ValueError(f"{tag!r}: a tag is 1 to 64 characters, no spaces or commas")
    return tag


def _rule(rule: Any) -> dict[str, str]:
    regex, replace = (rule if isinstance(rule, tuple) else (rule["regex"], rule.get("replace", "")))
    return {"regex": check_regex(regex), "replace": replace}


def _maybe(value: str | float | None, high: float) -> float | None:
    return None if value is None else check_seconds(value, high)


def _confirm(value: int) -> int:
    if not 1 <= value <= MAX_CONFIRM:
        raise ValueError(f"give a number of checks from 1 to {MAX_CONFIRM}")
    return value


def _step(step: Any) -> dict[str, Any]:
    try:
        action = _ACTION.validate_python(step)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"] if not str(p).endswith(" action"))
        raise ValueError(f"{where + ': ' if where else ''}{error['msg']}") from None
    value = getattr(action, "value", None)
    target = str(getattr(action, "fill", None) or getattr(action, "type", None) or "")
    if isinstance(value, str) and _SECRET_FIELD.search(target) and not env_names(value):
        raise ValueError(f"{target!r} looks like a password field: a value written out would be "
                         "stored in the database; give it as ${ENV:NAME}")
    dumped: dict[str, Any] = _ACTION.dump_python(action, mode="json", exclude_defaults=True)
    return dumped


def _selection(selects: list[str], profile: str | None) -> list[str]:
    """A watch's own selectors: each one valid; and not beside a profile (they are its profile)."""
    if selects and profile:
        raise ValueError("give a profile or selectors to watch, not both")
    return _each(selects, check_selector)


def _fetch(key: str, value: Any) -> Any:
    try:
        fetch = Fetch.model_validate({key: value})
    except ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    secrets = fetch.secret_literals()
    if secrets:
        raise ValueError(f"{secrets[0][1]}: a secret written out would be stored in the database; "
                         "give it as ${ENV:NAME} (and set NAME wherever scraper checks this watch)")
    return getattr(fetch, key)


def _render(value: str | None) -> str | None:
    if value is None or value in RENDER_MODES:
        return value
    raise ValueError(f"give one of {', '.join(RENDER_MODES)}")


def check_options(
    url: str, options: Mapping[str, Any], settings: Settings, words: Words = str
) -> tuple[dict[str, Any], list[Problem]]:
    """Every option checked (missing ones take their defaults): the watch's columns, and every
    problem found. The columns are meaningful only when there is no problem."""
    c = _Checker(settings, words)
    o = {opt.key: options.get(opt.key, opt.empty()) for opt in OPTIONS}
    o = {k: (BY_KEY[k].empty() if v is None else v) for k, v in o.items()}  # null: the default
    # Sizes first: a 5 MB name is refused, never parsed, stored or echoed back (nor its value).
    for key, value in list(o.items()):
        if (problem := _oversized(key, value)) is not None:
            c.problems.append(Problem(key, problem))
            o[key] = BY_KEY[key].empty()
    if (problem := _oversized("url", url)) is not None:
        c.problems.append(Problem("url", problem))
        url = ""
    checked: dict[str, Any] = {
        "name": c.run("name", lambda: _name(o["name"]), None, o["name"]),
        "profile": c.run("profile", lambda: c.profile(o["profile"]), None, o["profile"]),
        "schedule": c.run("cron" if o["cron"] else "every",
                          lambda: c.schedule(o["every"], o["cron"]), None,
                          None if o["every"] and o["cron"] else o["every"] or o["cron"]),
        "email": c.run("email", lambda: _email(o["email"]), None, o["email"]),
        "digest": c.run("digest", lambda: _digest(o["digest"]), None, o["digest"]),
        "notify": c.run("notify", lambda: _each(o["notify"], _channel), []),
        "notify_on": c.run("notify_on", lambda: _each(o["notify_on"], _kind), []) or None,
        "alert_on": c.run("alert_on", lambda: _each(o["alert_on"], check_regex), []),
        "keep": c.run("keep", lambda: o["keep"] and parse_every(o["keep"]).spec, None, o["keep"]) or None,
        "keep_checks": c.run("keep_checks", lambda: _keep_checks(o["keep_checks"]), None, o["keep_checks"]),
        "ignore": c.run("ignore", lambda: _each(o["ignore"], check_selector), []),
        "select": c.run("select", lambda: _selection(o["select"], o["profile"]), []),
        "normalise": c.run("normalise", lambda: _each(o["normalise"], _rule), []),
        "confirm": c.run("confirm", lambda: _confirm(o["confirm"]), 1, o["confirm"]),
        "paused": bool(o["paused"]),
        "tags": list(dict.fromkeys(c.run("tags", lambda: _each(o["tags"], _tag), []))),
        "actions": c.run("actions", lambda: _each(o["actions"], _step), []),
        "active_window": c.run("active_window", lambda: o["active_window"] and check_window(
            o["active_window"]), None, o["active_window"]) or None,
        "jitter": c.run("jitter", lambda: _maybe(o["jitter"], MAX_JITTER), None, o["jitter"]),
        "host_gap": c.run("host_gap", lambda: _maybe(o["host_gap"], MAX_GAP), None, o["host_gap"]),
        "host_cap": c.run("host_cap", lambda: None if o["host_cap"] is None else
                          check_host_cap(o["host_cap"]), None, o["host_cap"]),
        "render": c.run("render", lambda: _render(o["render"]), None, o["render"]),
    }
    fetch = {}
    for key in FETCH_KEYS:
        value = o[key] if isinstance(o[key], str) else None
        value = shown_proxy(value) if key == "proxy" and value else value  # never its password
        fetch[key] = c.run(key, lambda key=key: _fetch(key, o[key]), None, value)  # type: ignore[misc]
    url = c.run("url", lambda: check_url(url), url)
    for opt in OPTIONS:  # an option with no check above is stored as given, in its own column
        if opt.key not in checked and opt.key not in fetch and opt.key not in ("every", "cron"):
            checked[opt.key] = o[opt.key]
    return _columns(url, checked, fetch), c.problems


def _columns(url: str, checked: dict[str, Any], fetch: dict[str, Any]) -> dict[str, Any]:
    schedule: Schedule | None = checked.pop("schedule")
    profile: str | None = checked.pop("profile")
    return {
        **checked, "url": url, "name": checked["name"] or default_name(url),
        "profile": Path(profile).stem if profile and is_profile_file(profile) else profile,
        "profile_file": profile if profile and is_profile_file(profile) else None,
        # The file travels with the watch: workers on other machines read this text.
        "profile_text": Path(profile).read_text(encoding="utf-8")
        if profile and is_profile_file(profile) else None,
        "schedule_kind": schedule.kind if schedule else None,
        "schedule": schedule.spec if schedule else None,
        "fetch": {k: v for k, v in fetch.items() if v not in (None, {}, [])},
    }


def options_of(watch: Watch) -> dict[str, Any]:
    """The watch's options as `watch add` or a watch file would give them (the inverse of
    `check_options`): what `watch export` writes and `watch edit` starts from."""
    found: dict[str, Any] = {}
    for opt in OPTIONS:
        if opt.key == "profile":
            found[opt.key] = watch.profile_file or watch.profile
        elif opt.key in ("every", "cron"):
            kind = "interval" if opt.key == "every" else "cron"
            found[opt.key] = watch.schedule if watch.schedule_kind == kind else None
        elif opt.stored_in == "fetch":
            found[opt.key] = watch.fetch.get(opt.key, opt.empty())
        else:
            found[opt.key] = getattr(watch, opt.key)
    found["notify_on"] = found["notify_on"] or []
    return found


