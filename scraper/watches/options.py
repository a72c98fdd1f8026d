"""The options of a watch, declared once.

`watch add` and `watch edit` offer them as command-line options, a watch file (`watch apply`) takes
them as the keys of a watch, `watch export` writes them back, and `scraper.watches.operations`
checks and stores them. All of these read OPTIONS, so a new option is added in one place:

1. Append an `Option`: its YAML key, help and metavar, and its shape. A single value (`type` str or
   int); `many=True`, repeatable on the command line and a list in a file; `pairs=True`, repeatable
   `NAME=VALUE` (or `Name: value`) and a mapping in a file; `flag=True`, a switch and a boolean.
   `parse` turns one command-line string into what a file would hold; `file_type` is the pydantic
   type a file's value must have (so a mistake gets its own line). The flag is `--` + the key with
   dashes unless `flag_name` says otherwise.
2. Check it: a line in `scraper.watches.validate.check_options` (an option without one is stored as given);
   a `ValueError` there becomes an error naming the option, as `--flag` on the command line and as
   the YAML key in a file, at its line.
3. Store it: by default in the `Watch` column named like the key (add it to the model and a
   migration); `stored_in="fetch"` keeps it inside the JSON column of fetch settings.

For example `digest` (a single value, checked by `scraper.reports.digests.check_digest`, stored in
`watches.digest`) and `notify` (`many=True`, each URL checked by
`scraper.reports.channels.check_channel_url`, stored in `watches.notify`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Option:
    key: str  # the YAML key, and the name the commands use
    help: str
    metavar: str = ""
    type: type = str  # of one command-line value: str or int
    many: bool = False  # repeatable; a list in a file
    pairs: bool = False  # repeatable NAME=VALUE; a mapping in a file
    flag: bool = False  # a switch; a boolean in a file
    parse: Callable[[str], Any] | None = None  # one command-line string -> what a file holds
    # The pydantic type of the value in a file (default: from the shape); a function, so that the
    # command line's start-up does not import what only a watch file needs.
    file_type: Callable[[], Any] | None = None
    default: Any = None  # when not given (lists and mappings: empty; flags: false)
    short: str | None = None
    flag_name: str | None = None
    stored_in: str = ""  # "" = the Watch column named `key`; "fetch" = a key of the fetch settings
    choices: Callable[[], tuple[str, ...]] | None = None  # the values allowed (shell completion)

    @property
    def cli(self) -> str:
        return self.flag_name or "--" + self.key.replace("_", "-")

    def empty(self) -> Any:
        """The value when not given."""
        if self.many:
            return []
        if self.pairs:
            return {}
        if self.flag:
            return False
        return self.default

    def yaml_type(self) -> Any:
        if self.file_type is not None:
            return self.file_type()
        if self.many:
            return list[self.type]  # type: ignore[name-defined]
        if self.pairs:
            return dict[str, str]
        if self.flag:
            return bool
        return self.type

    def from_cli(self, given: Any) -> Any:
        """What the command line gave, as a file would hold it."""
        convert: Callable[[str], Any] = self.parse or (lambda v: v)
        if self.many:
            return [convert(v) for v in given]
        if self.pairs:
            return dict(convert(v) for v in given)
        return given


def _rule(text: str) -> dict[str, str]:
    # "REGEX" or "REGEX=>REPLACEMENT": `=>` rarely appears in a regex, unlike `=` or `:`.
    regex, _, replace = text.partition("=>")
    return {"regex": regex, "replace": replace}


def _pair(separator: str) -> Callable[[str], tuple[str, str]]:
    def parse(text: str) -> tuple[str, str]:
        name, found, value = text.partition(separator)
        if not found:
            raise ValueError(f"{text!r}: give NAME{separator.strip() or separator}VALUE")
        return name.strip(), value.strip() if separator == ":" else value

    return parse


def _header(text: str) -> tuple[str, str]:
    # `Name: value` as curl writes it; `Name=value` too.
    if ":" not in text and "=" not in text:
        raise ValueError(f"{text!r}: give 'NAME: VALUE'")
    separator = ":" if ":" in text.split("=", 1)[0] else "="
    return _pair(separator)(text)


def _step(text: str) -> Any:
    """One step as YAML flow text: `{click: "button.accept", max: 1}`; checked with the others."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{text!r}: not YAML ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{text!r}: give a step as a mapping, e.g. '{{click: \"button.accept\"}}'")
    return data


def _rules() -> Any:
    from scraper.profiles.schema import NormaliseRule

    return list[NormaliseRule]


def _seconds() -> Any:
    return str | float


def _change_kinds() -> tuple[str, ...]:
    from scraper.model.changes import CHANGE_KINDS

    return CHANGE_KINDS


def _steps() -> Any:
    from scraper.profiles.schema import Action

    return list[Action]


OPTIONS: tuple[Option, ...] = (
    Option("profile", "Profile name or profile file (default: detect).", "NAME|FILE", short="-p"),
    Option("every", "Check on this interval: 30s, 15m, 2h, 1d.", "INTERVAL"),
    Option("cron", 'Check on this cron schedule (UTC), e.g. "0 * * * *".', "CRON"),
    Option("name", "A unique name (default: from the URL).", "NAME"),
    Option("tags", "A tag, to list or check watches together (repeatable).", "TAG", many=True,
           flag_name="--tag"),
    Option("select", "Watch the text of the elements this CSS selector (or xpath:…) finds, on any "
           "page, instead of an article and comments (repeatable).", "SELECTOR", many=True),
    Option("email", "Where change reports go.", "ADDRESS"),
    Option("digest", "Send reports as one digest per period: hourly, daily or a cron "
           "expression (UTC).", "hourly|daily|CRON"),
    Option("notify", "Also report to this Apprise or webhook URL, its token as ${ENV:NAME} "
           "(repeatable).", "URL", many=True),
    Option("notify_on", "Report only this change kind (repeatable): comment_added, "
           "comment_edited, comment_removed, article_edited, article_changed, profile_mismatch, "
           "failing.", "KIND", many=True, choices=_change_kinds),
    Option("alert_on", "Report a check only when a new or edited comment or paragraph matches "
           "this regular expression, case-insensitive (repeatable).", "REGEX", many=True),
    Option("ignore", "Drop what this selector finds before extraction (repeatable).", "SELECTOR",
           many=True),
    Option("normalise", "Rewrite matching text before comparing (repeatable).",
           "'REGEX=>REPLACEMENT'", many=True, parse=_rule, file_type=_rules),
    Option("confirm", "Report a change once seen in N checks in a row.", "N", type=int, default=1),
    Option("paused", "Add it paused: no scheduled checks until `watch resume`.", flag=True),
    Option("evidence_on_change", "A check that finds changes also leaves a signed evidence "
           "bundle.", flag=True),
    Option("screenshots", "A check that finds changes keeps a picture of each changed item as "
           "the browser drew it (shown in reports, the dashboard and the feed).", flag=True),
    Option("user_agent", "Send this User-Agent (default: the browser's, without Headless).", "TEXT",
           stored_in="fetch"),
    Option("headers", "Send this HTTP header (repeatable).", "'NAME: VALUE'", pairs=True,
           parse=_header, flag_name="--header", stored_in="fetch"),
    Option("cookies", "Send this cookie; its value as ${ENV:NAME} (repeatable).", "NAME=VALUE",
           pairs=True, parse=_pair("="), flag_name="--cookie", stored_in="fetch"),
    Option("proxy", "Fetch through this proxy (default: SCRAPER_PROXY).", "URL", stored_in="fetch"),
    Option("locale", "Browser locale, e.g. fr-FR (navigator.language, Accept-Language).", "LOCALE",
           stored_in="fetch"),
    Option("timezone", "Browser time zone, e.g. Europe/Paris.", "ZONE", stored_in="fetch"),
    Option("viewport", "Browser window size, e.g. 1280x800.", "WIDTHxHEIGHT", stored_in="fetch"),
    Option("keep_session", "Keep the page's cookies and local storage between checks (a file of "
           "the watch's own under the data folder, mode 0600), so a login is not repeated.", flag=True,
           stored_in="fetch"),
    Option("logged_in", "With --keep-session: a selector found only when logged in; the watch's "
           "steps (its login) run only when it is missing.", "SELECTOR", stored_in="fetch"),
    Option("render", "auto: fetch plainly while that gives the rendered record (verified every "
           "SCRAPER_RENDER_VERIFY_EVERY checks); always: render; never: fetch plainly (default: the "
           "profile's, else auto).", "auto|always|never"),
    Option("actions", "A browser step run after load, as YAML (repeatable), e.g. "
           "'{click: \"button.accept\", max: 1}'.", "STEP", many=True, parse=_step,
           file_type=_steps, flag_name="--action"),
    # The daemon's (scraper/daemon/): when, and how politely, `scraper run` checks the watch.
    Option("active_window", "Check only within this window, e.g. 'mon-fri 08:00-20:00 "
           "Europe/Paris' (days, hours, an IANA time zone; UTC by default).", "'DAYS HH:MM-HH:MM [ZONE]'",
           flag_name="--window"),
    Option("jitter", "Up to this much random delay added to each scheduled run: 30s, 5m.", "DURATION",
           file_type=_seconds),
    Option("host_gap", "Seconds between two checks of this watch's host (default: the profile's "
           "politeness, else SCRAPER_HOST_GAP).", "SECONDS", file_type=_seconds),
    Option("host_cap", "Checks of this watch's host at a time, 0: no limit (default: the profile's "
           "politeness, else SCRAPER_HOST_CAP).", "N", type=int),
    # History retention (scraper/watches/retention.py): checks without changes beyond it are pruned.
    Option("keep", "Prune checks without changes older than this: 90d, 12h (default: SCRAPER_KEEP; "
           "unset: keep them all).", "DURATION"),
    Option("keep_checks", "Prune checks without changes beyond the newest N (default: "
           "SCRAPER_KEEP_CHECKS).", "N", type=int),
)
BY_KEY = {o.key: o for o in OPTIONS}


def entry_model() -> Any:
    """The pydantic model of one watch in a watch file: every option, none required (None: unset)."""
    from pydantic import ConfigDict, create_model

    fields: dict[str, Any] = {o.key: (o.yaml_type() | None, None) for o in OPTIONS}
    return create_model(
        "WatchEntry", __config__=ConfigDict(extra="forbid"),
        url=(str | None, None), allow_duplicate=(bool | None, None), **fields,
    )
