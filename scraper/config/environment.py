"""The environment as one pydantic-settings model: every variable the tool reads is a field here,
named `SCRAPER_` + the field's name in capitals, with its default and its check.

Only `load_settings()` (in settings.py) reads it, where a process starts; everything below gets the
`Settings` it builds. Imported there, not at start-up: `scraper --help` need not load pydantic.
"""

from __future__ import annotations

import math
import os
import re
import shlex
from collections.abc import Callable
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, ValidationError, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from scraper.base import passwords
from scraper.config.settings import (
    DEFAULT_BROKER_URL,
    DEFAULT_BUSY_TIMEOUT,
    DEFAULT_DEADLINE,
    DEFAULT_DRIVER_HEAP_MIB,
    DEFAULT_FAILING_AFTER,
    DEFAULT_GRACE,
    DEFAULT_HOST_CAP,
    DEFAULT_RAMP,
    DEFAULT_RECYCLE_MIB,
    DEFAULT_RECYCLE_PAGES,
    DEFAULT_RENDER_VERIFY_EVERY,
    DEFAULT_SEND_TIMEOUT,
    DEFAULT_SENDER,
    DEFAULT_TEARDOWN_GRACE,
    DEFAULT_TRIES,
    EMAIL_ADDRESS,
    EXECUTORS,
    MAX_DEADLINE,
    MAX_WORKERS,
    SMTP_PORTS,
    MailSettings,
    Settings,
    SettingsError,
    SmtpSettings,
    profile_dirs,
    smtp_security_for,
)

PREFIX = "SCRAPER_"


def _number(low: float, high: float, unit: str, *, whole: bool = False) -> BeforeValidator:
    """A number from `low` to `high` (whole, for counts), or the message that says so."""

    def check(raw: Any) -> Any:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high) or (whole and not value.is_integer()):
            raise ValueError(f"give {unit} from {low:g} to {high:g}")
        return int(value) if whole else value

    return BeforeValidator(check)


def _deadline(raw: Any) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = -1
    if not (math.isfinite(value) and 0 < value <= MAX_DEADLINE):
        raise ValueError(f"give seconds, more than 0 and at most {MAX_DEADLINE:g}")
    return value


def _flag(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value not in ("", "0", "1", "true", "false", "yes", "no"):
        raise ValueError("give 1 or 0")
    return value in ("1", "true", "yes")


def _split(how: Callable[[str], list[str]]) -> BeforeValidator:
    return BeforeValidator(lambda raw: tuple(how(raw)) if isinstance(raw, str) else raw)


def _shell_words(raw: str) -> list[str]:
    try:
        return shlex.split(raw)
    except ValueError as exc:
        raise ValueError(f"{exc} (it is split like a shell line)") from None


def _rule(ok: Callable[[Any], object], message: str, *, before: bool = False) -> Any:
    """A value `ok` accepts, or unset; else `message`, which says what is allowed. `before`: the
    rule sees the text as given (the type would refuse it with a message of its own)."""

    def check(value: Any) -> Any:
        if value is not None and not ok(value):
            raise ValueError(message)
        return value

    return BeforeValidator(check) if before else AfterValidator(check)


def _fetch_proxy(value: str | None) -> str | None:
    """The proxy as a profile's or watch's: the same check, the same words."""
    if value is not None:
        from scraper.model.fetch import Fetch

        try:
            Fetch(proxy=value)
        except ValidationError as exc:
            raise ValueError(_reason(exc.errors()[0])) from None
    return value


def _duration(value: str | None) -> str | None:
    """A duration as `--every` takes it (90d, 12h)."""
    if value is not None:
        from scraper.model.schedule import parse_every

        parse_every(value)  # ValueError says what is allowed
    return value


Seconds = Annotated[float, _number(0, 3600, "seconds")]
Address = Annotated[str | None, _rule(lambda v: EMAIL_ADDRESS.match(parseaddr(v)[1]),
                                      "not an e-mail address")]  # `addr` or `Name <addr>`
DASHBOARD = re.compile(r"^https?://[^/\s]+(/\S*)?$")


def _admin_password(value: SecretStr | None) -> SecretStr | None:
    if value is None:
        return None
    secret = value.get_secret_value()
    if passwords.is_hash(secret):
        passwords.parse_hash(secret)  # ValueError saying what is wrong, never the value
    elif len(secret) < 8:
        raise ValueError("too short; give at least 8 characters (or a hash from `scraper passwd`)")
    return value


class Environment(BaseSettings):
    """The variables, as found: `settings()` turns them into the `Settings` the code is given.
    Empty counts as unset. Checks raise ValueError with what is allowed; `load` names the variable."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, extra="ignore",
                                      frozen=True)

    home: Path = Path("storage")
    database_url: str | None = Field(None, repr=False)  # may hold a password, as may proxy and notify
    # The built-in profiles come first; these folders are added after them (os.pathsep-separated).
    profiles: Annotated[tuple[Path, ...], NoDecode,
                        _split(lambda raw: [p for p in raw.split(os.pathsep) if p])] = ()
    browser: str | None = None
    browser_ws: str | None = None
    browser_args: Annotated[tuple[str, ...], NoDecode, _split(_shell_words)] = ()
    deadline: Annotated[float, BeforeValidator(_deadline)] = DEFAULT_DEADLINE
    db_busy_timeout: Annotated[float, _number(0.1, 600, "seconds")] = DEFAULT_BUSY_TIMEOUT
    failing_after: Annotated[int, _number(1, 1000, "a whole number of checks", whole=True)] = (
        DEFAULT_FAILING_AFTER)
    block_private: Annotated[bool, BeforeValidator(_flag)] = False
    proxy: Annotated[str | None, AfterValidator(_fetch_proxy)] = Field(None, repr=False)
    tsa_url: Annotated[str | None, _rule(lambda v: v.startswith(("http://", "https://")),
                                         "not an http(s) URL of an RFC 3161 TSA")] = None
    # `scraper verify` fails a bundle signed by a key this file does not name.
    trusted_keys: Annotated[Path | None, _rule(Path.is_file, "no such file")] = None
    # Change reports.
    smtp_host: str | None = None
    smtp_port: Annotated[int | None, _rule(lambda v: str(v).isdigit() and 0 < int(v) < 65536,
                                           "give a port number (1-65535)", before=True)] = None
    # Unset: chosen from the port (465 TLS, 25 plain, else STARTTLS) or a loopback host (plain).
    smtp_security: Annotated[str | None, _rule(lambda v: v in SMTP_PORTS,
                                               "give none, starttls or ssl")] = None
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: Address = None
    mail_to: Address = None
    # Whitespace-separated: an Apprise URL may hold commas, never a space.
    notify: Annotated[tuple[str, ...], NoDecode, _split(str.split)] = Field((), repr=False)
    templates: Annotated[Path | None, _rule(Path.is_dir, "no such folder")] = None
    send_timeout: Annotated[float, _number(1, 3600, "seconds")] = DEFAULT_SEND_TIMEOUT
    channels_file: Path | None = None  # named channels; unset: channels.conf in the home
    # The dashboard.
    # The password itself, or its scrypt hash (`scraper passwd` prints one).
    admin_password: Annotated[SecretStr | None, AfterValidator(_admin_password)] = None
    base_url: Annotated[str | None, _rule(DASHBOARD.match, "give the dashboard's http(s) address, "
                                          "e.g. https://scraper.example.org"),
                        AfterValidator(lambda v: v.rstrip("/") if v else None)] = None
    # The daemon (`scraper run`).
    workers: Annotated[int, _number(0, MAX_WORKERS, "a whole number of workers", whole=True)] = 0
    browser_recycle_pages: Annotated[int, _number(0, 10**7, "a whole number of pages", whole=True)] = (
        DEFAULT_RECYCLE_PAGES)
    browser_max_mib: Annotated[float, _number(0, 10**6, "MiB")] = DEFAULT_RECYCLE_MIB
    # 0: Node's own bound; less than 64 MiB and the driver cannot start.
    driver_heap_mib: Annotated[int, _number(0, 10**6, "0 or a whole number of MiB", whole=True),
                               _rule(lambda v: v == 0 or v >= 64, "give 0 (Node's own) or 64 MiB and up")] = (
        DEFAULT_DRIVER_HEAP_MIB)
    ramp: Seconds = DEFAULT_RAMP
    grace: Seconds = DEFAULT_GRACE
    teardown_grace: Annotated[float, _number(1, 600, "seconds")] = DEFAULT_TEARDOWN_GRACE
    host_gap: Annotated[float, _number(0, 86400, "seconds")] = 0.0
    host_cap: Annotated[int, _number(0, 1000, "a whole number of checks", whole=True)] = DEFAULT_HOST_CAP
    tries: Annotated[int, _number(1, 10, "a whole number of tries", whole=True)] = DEFAULT_TRIES
    # Scale-out: `scraper run --executor dramatiq` and `scraper worker`.
    executor: Annotated[str, _rule(lambda v: v in EXECUTORS, "give local or dramatiq")] = "local"
    broker_url: Annotated[str, _rule(lambda v: v.startswith(("redis://", "rediss://", "amqp://")),
                                     "give a redis:// (or amqp://) URL")] = DEFAULT_BROKER_URL
    # History retention (per watch: --keep, --keep-checks).
    keep: Annotated[str | None, AfterValidator(_duration)] = None
    keep_checks: Annotated[int | None, _rule(lambda v: str(v).isdigit() and int(v) >= 1,
                                             "give a whole number of checks, at least 1",
                                             before=True)] = None
    render_verify_every: Annotated[int, _number(1, 10000, "a whole number of checks", whole=True)] = (
        DEFAULT_RENDER_VERIFY_EVERY)

    @model_validator(mode="after")
    def _guard_needs_own_browser(self) -> Environment:
        if self.block_private and self.browser_ws:
            # The guard is a proxy the launched Chromium is told to use; a remote browser is not.
            raise ValueError("SCRAPER_BLOCK_PRIVATE=1 needs a browser scraper launches itself: "
                             "unset SCRAPER_BROWSER_WS")
        return self

    def settings(self, variables: tuple[str, ...] = ()) -> Settings:
        """The Settings these make, with what follows from them: the embedded database and the
        outbox in the home, the SMTP port from the security, the built-in profiles first."""
        smtp = None
        if self.smtp_host is not None:
            security = self.smtp_security or smtp_security_for(self.smtp_host, self.smtp_port)
            smtp = SmtpSettings(
                host=self.smtp_host, port=self.smtp_port or SMTP_PORTS[security],
                security=security,  # type: ignore[arg-type]  # checked against SMTP_PORTS
                user=self.smtp_user, password=self.smtp_password)
        mail = MailSettings(smtp=smtp, sender=self.mail_from or DEFAULT_SENDER, recipient=self.mail_to,
                            channels=self.notify, templates=self.templates,
                            outbox_dir=self.home / "outbox", send_timeout=self.send_timeout,
                            channels_file=self.channels_file or self.home / "channels.conf")
        return Settings(
            home=self.home,
            database_url=self.database_url or f"sqlite:///{self.home / 'scraper.db'}",
            profile_folders=profile_dirs(self.profiles),
            browser_path=self.browser,
            browser_ws=self.browser_ws,
            browser_args=self.browser_args,
            deadline=self.deadline,
            default_database=self.database_url is None,
            mail=mail,
            proxy=self.proxy,
            busy_timeout=self.db_busy_timeout,
            failing_after=self.failing_after,
            block_private=self.block_private,
            tsa_url=self.tsa_url,
            trusted_keys=self.trusted_keys,
            workers=self.workers or None,
            recycle_pages=self.browser_recycle_pages,
            recycle_mib=self.browser_max_mib,
            driver_heap_mib=self.driver_heap_mib,
            ramp=self.ramp,
            grace=self.grace,
            teardown_grace=self.teardown_grace,
            host_gap=self.host_gap,
            host_cap=self.host_cap,
            tries=self.tries,
            executor=self.executor,
            broker_url=self.broker_url,
            render_verify_every=self.render_verify_every,
            admin_password=self.admin_password,
            base_url=self.base_url,
            keep=self.keep,
            keep_checks=self.keep_checks,
            variables=variables,
        )


def variable(field: str) -> str:
    """The variable a field of Environment is read from."""
    return PREFIX + field.upper()


VARIABLES = tuple(variable(field) for field in Environment.model_fields)
# Their values are never shown in a message: a secret, or a URL that may carry one.
_HIDDEN = {"smtp_password", "admin_password", "tsa_url", "broker_url"}


def _reason(error: ErrorDetails) -> str:
    return error["msg"].removeprefix("Value error, ")


def _message(error: ErrorDetails) -> str:
    """`SCRAPER_X='value': what is allowed`, the value masked or left out where it may be secret."""
    if not error["loc"]:
        return _reason(error)  # about several variables: it names them
    field = str(error["loc"][0])
    raw = error["input"]
    if field in _HIDDEN:
        return f"{variable(field)}: {_reason(error)}"
    if field == "proxy":
        from scraper.model.fetch import shown_proxy

        raw = shown_proxy(raw)
    return f"{variable(field)}={raw!r}: {_reason(error)}"


def load() -> Settings:
    """The settings from the environment, or a SettingsError naming each bad variable (exit 2)."""
    variables = tuple(sorted(name for name in os.environ if name.startswith(PREFIX)))
    try:
        return Environment().settings(variables)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        where = variable(str(errors[0]["loc"][0])) if errors[0]["loc"] else None
        raise SettingsError("\n".join(_message(e) for e in errors), where=where,
                            variables=variables) from None
