"""Settings from the environment: one place that names every variable the tool reads.

Read at call time (not import time) so tests can point them at a temporary folder.
"""

from __future__ import annotations

import math
import os
import re
import shlex
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from scraper.base.errors import InputError

if TYPE_CHECKING:
    from pydantic import SecretStr  # imported where one is made: start-up need not load pydantic

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # scraper/, above config/
# A checkout keeps the profiles in ../selectors; an installed wheel carries a copy in _profiles.
_REPO_PROFILES = PACKAGE_DIR.parent / "selectors"
_WHEEL_PROFILES = PACKAGE_DIR / "_profiles"
BUILTIN_PROFILES = _REPO_PROFILES if _REPO_PROFILES.is_dir() else _WHEEL_PROFILES

DEFAULT_DEADLINE = 45.0
MAX_DEADLINE = 600.0
DEFAULT_BUSY_TIMEOUT = 15.0
DEFAULT_FAILING_AFTER = 3
DEFAULT_RECYCLE_PAGES = 1000
DEFAULT_RECYCLE_MIB = 1536.0
# Holds a 10 MB page (profiles' default max_html) several times over; see scraper/browser/driver.py.
DEFAULT_DRIVER_HEAP_MIB = 512
DEFAULT_RAMP = 30.0
DEFAULT_GRACE = 20.0
DEFAULT_HOST_CAP = 4
DEFAULT_TRIES = 3

SmtpSecurity = Literal["none", "starttls", "ssl"]
SMTP_PORTS: dict[str, int] = {"none": 25, "starttls": 587, "ssl": 465}
DEFAULT_SENDER = "scraper@localhost"
EMAIL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: SmtpSecurity
    user: str | None
    password: SecretStr | None  # SecretStr: repr() and str() show ********** , never the password
    timeout: float = 30.0


@dataclass(frozen=True)
class MailSettings:
    """Where change reports go. No SMTP host: reports are written as .eml files in `outbox_dir`."""

    smtp: SmtpSettings | None
    sender: str
    recipient: str | None  # for watches without --email
    channels: tuple[str, ...]  # Apprise/webhook URLs for watches without --notify (secrets inside)
    templates: Path | None  # a folder whose templates override the shipped ones
    outbox_dir: Path

    def __repr__(self) -> str:
        # The channel URLs may carry tokens: count them, never show them.
        return (f"MailSettings(smtp={self.smtp!r}, sender={self.sender!r}, "
                f"recipient={self.recipient!r}, channels=<{len(self.channels)}>, "
                f"templates={self.templates!r}, outbox_dir={self.outbox_dir!r})")


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    profile_dirs: tuple[Path, ...]
    browser_path: str | None
    browser_ws: str | None
    browser_args: tuple[str, ...]
    deadline: float
    default_database: bool  # the embedded SQLite: it upgrades its own schema on start
    mail: MailSettings  # change reports: SMTP, sender, default recipient and channels, templates
    proxy: str | None = None  # every page through this proxy, unless a profile or watch says otherwise
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT  # seconds a database write waits for a lock
    failing_after: int = DEFAULT_FAILING_AFTER  # failed checks in a row that make a `failing` change
    block_private: bool = False  # refuse private, loopback and link-local addresses (SSRF guard)
    tsa_url: str | None = None  # an RFC 3161 timestamp authority for evidence signatures
    # The daemon (`scraper run`; see scraper/daemon/).
    workers: int | None = None  # checks at a time; None: from the CPU count and memory
    recycle_pages: int = DEFAULT_RECYCLE_PAGES  # a new browser after this many pages (0: never)
    recycle_mib: float = DEFAULT_RECYCLE_MIB  # ... or once its processes pass this size (0: never)
    driver_heap_mib: int = DEFAULT_DRIVER_HEAP_MIB  # Playwright's Node driver's heap bound (0: Node's)
    ramp: float = DEFAULT_RAMP  # seconds over which overdue checks are spread at start, at most
    grace: float = DEFAULT_GRACE  # seconds in-flight checks may finish in after SIGTERM
    host_gap: float = 0.0  # seconds between two checks of one host (profiles and watches override)
    host_cap: int = DEFAULT_HOST_CAP  # checks of one host at a time (0: no limit but the workers)
    tries: int = DEFAULT_TRIES  # tries of a check's capture after transient failures (1: no retry)
    # The dashboard: its admin password (pages behind a login; needed to listen beyond loopback)
    # and the address people reach it at (links in change reports to the change's page).
    admin_password: SecretStr | None = None
    base_url: str | None = None

    @property
    def captures_dir(self) -> Path:
        return self.home / "captures"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"


def _profile_dirs() -> tuple[Path, ...]:
    """The built-in profiles first, then each SCRAPER_PROFILES folder: a later folder's profile of
    the same name wins, and a user's profile can `extends:` a built-in one."""
    extra = [Path(p) for p in os.environ.get("SCRAPER_PROFILES", "").split(os.pathsep) if p]
    seen: set[Path] = set()
    dirs = []
    for folder in (BUILTIN_PROFILES, *extra):
        # A folder named twice (the built-in one, by older set-ups) counts once, where it came first.
        key = folder.resolve()
        if key not in seen:
            seen.add(key)
            dirs.append(folder)
    return tuple(dirs)


def check_deadline(value: float, name: str) -> float:
    """A job deadline in seconds: finite, more than 0, at most 600 (the same for every source)."""
    if not (math.isfinite(value) and 0 < value <= MAX_DEADLINE):
        raise InputError(f"{name}: give seconds, more than 0 and at most {MAX_DEADLINE:g}")
    return value


def _number(variable: str, default: float, low: float, high: float, unit: str,
            whole: bool = False) -> float:
    raw = os.environ.get(variable)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high) or (whole and not value.is_integer()):
        raise InputError(f"{variable}={raw!r}: give {unit} from {low:g} to {high:g}")
    return value


def _driver_heap() -> int:
    """0 (Node's own bound) or 64 MiB and up: less than that, the driver cannot start."""
    value = int(_number("SCRAPER_DRIVER_HEAP_MIB", DEFAULT_DRIVER_HEAP_MIB, 0, 10**6,
                        "0 or a whole number of MiB", whole=True))
    if 0 < value < 64:
        raise InputError(f"SCRAPER_DRIVER_HEAP_MIB={value}: give 0 (Node's own) or 64 MiB and up")
    return value


def _deadline() -> float:
    raw = os.environ.get("SCRAPER_DEADLINE")
    if raw is None:
        return DEFAULT_DEADLINE
    try:
        value = float(raw)
    except ValueError:
        value = -1
    return check_deadline(value, f"SCRAPER_DEADLINE={raw!r}")


def _flag(variable: str) -> bool:
    raw = os.environ.get(variable, "").strip().lower()
    if raw not in ("", "0", "1", "true", "false", "yes", "no"):
        raise InputError(f"{variable}={raw!r}: give 1 or 0")
    return raw in ("1", "true", "yes")


def _browser_args() -> tuple[str, ...]:
    raw = os.environ.get("SCRAPER_BROWSER_ARGS", "")
    try:
        return tuple(shlex.split(raw))
    except ValueError as exc:
        raise InputError(f"SCRAPER_BROWSER_ARGS={raw!r}: {exc} (it is split like a shell line)") from None


def _proxy() -> str | None:
    raw = os.environ.get("SCRAPER_PROXY") or None
    if raw is None:
        return None
    from pydantic import ValidationError  # here: `scraper --help` need not load pydantic

    from scraper.model.fetch import Fetch, shown_proxy

    try:
        Fetch(proxy=raw)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise InputError(f"SCRAPER_PROXY={shown_proxy(raw)!r}: {reason}") from None
    return raw


def _smtp() -> SmtpSettings | None:
    host = os.environ.get("SCRAPER_SMTP_HOST") or None
    security = os.environ.get("SCRAPER_SMTP_SECURITY") or "starttls"
    if security not in SMTP_PORTS:
        raise InputError(f"SCRAPER_SMTP_SECURITY={security!r}: give none, starttls or ssl")
    raw_port = os.environ.get("SCRAPER_SMTP_PORT") or str(SMTP_PORTS[security])
    if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
        raise InputError(f"SCRAPER_SMTP_PORT={raw_port!r}: give a port number (1-65535)")
    user = os.environ.get("SCRAPER_SMTP_USER") or None
    password = os.environ.get("SCRAPER_SMTP_PASSWORD") or None
    if host is None:
        return None
    from pydantic import SecretStr

    return SmtpSettings(host=host, port=int(raw_port), security=security,  # type: ignore[arg-type]
                        user=user, password=SecretStr(password) if password else None)


def _address(variable: str) -> str | None:
    """An address, or `Name <address>`; None when the variable is not set."""
    value = os.environ.get(variable) or None
    if value is not None and not EMAIL_ADDRESS.match(parseaddr(value)[1]):
        raise InputError(f"{variable}={value!r}: not an e-mail address")
    return value


def _mail(home: Path) -> MailSettings:
    templates = os.environ.get("SCRAPER_TEMPLATES") or None
    if templates is not None and not Path(templates).is_dir():
        raise InputError(f"SCRAPER_TEMPLATES={templates!r}: no such folder")
    return MailSettings(
        smtp=_smtp(),
        sender=_address("SCRAPER_MAIL_FROM") or DEFAULT_SENDER,
        recipient=_address("SCRAPER_MAIL_TO"),
        # Whitespace-separated: an Apprise URL may hold commas, never a space.
        channels=tuple(os.environ.get("SCRAPER_NOTIFY", "").split()),
        templates=Path(templates) if templates else None,
        outbox_dir=home / "outbox",
    )


def _tsa_url() -> str | None:
    raw = os.environ.get("SCRAPER_TSA_URL") or None
    if raw is not None and not raw.startswith(("http://", "https://")):
        raise InputError("SCRAPER_TSA_URL is not an http(s) URL of an RFC 3161 TSA")
    return raw


def _base_url() -> str | None:
    raw = os.environ.get("SCRAPER_BASE_URL") or None
    if raw is not None and not re.match(r"^https?://[^/\s]+(/\S*)?$", raw):
        raise InputError(f"SCRAPER_BASE_URL={raw!r}: give the dashboard's http(s) address, "
                         "e.g. https://scraper.example.org")
    return raw.rstrip("/") if raw else None


def _admin_password() -> SecretStr | None:
    raw = os.environ.get("SCRAPER_ADMIN_PASSWORD") or None
    if raw is not None and len(raw) < 8:
        raise InputError("SCRAPER_ADMIN_PASSWORD: too short; give at least 8 characters")
    if raw is None:
        return None
    from pydantic import SecretStr

    return SecretStr(raw)


def load_settings() -> Settings:
    home = Path(os.environ.get("SCRAPER_HOME", "storage"))
    configured = os.environ.get("SCRAPER_DATABASE_URL")
    db = configured or f"sqlite:///{home / 'scraper.db'}"
    block_private = _flag("SCRAPER_BLOCK_PRIVATE")
    if block_private and os.environ.get("SCRAPER_BROWSER_WS"):
        # The guard is a proxy the launched Chromium is told to use; a remote browser is not.
        raise InputError("SCRAPER_BLOCK_PRIVATE=1 needs a browser scraper launches itself: "
                         "unset SCRAPER_BROWSER_WS")
    return Settings(
        home=home,
        database_url=db,
        profile_dirs=_profile_dirs(),
        browser_path=os.environ.get("SCRAPER_BROWSER") or None,
        browser_ws=os.environ.get("SCRAPER_BROWSER_WS") or None,
        browser_args=_browser_args(),
        deadline=_deadline(),
        default_database=not configured,
        mail=_mail(home),
        proxy=_proxy(),
        busy_timeout=_number("SCRAPER_DB_BUSY_TIMEOUT", DEFAULT_BUSY_TIMEOUT, 0.1, 600, "seconds"),
        failing_after=int(_number("SCRAPER_FAILING_AFTER", DEFAULT_FAILING_AFTER, 1, 1000,
                                  "a whole number of checks", whole=True)),
        block_private=block_private,
        tsa_url=_tsa_url(),
        workers=_workers(),
        recycle_pages=int(_number("SCRAPER_BROWSER_RECYCLE_PAGES", DEFAULT_RECYCLE_PAGES, 0, 10**7,
                                  "a whole number of pages", whole=True)),
        recycle_mib=_number("SCRAPER_BROWSER_MAX_MIB", DEFAULT_RECYCLE_MIB, 0, 10**6, "MiB"),
        driver_heap_mib=_driver_heap(),
        ramp=_number("SCRAPER_RAMP", DEFAULT_RAMP, 0, 3600, "seconds"),
        grace=_number("SCRAPER_GRACE", DEFAULT_GRACE, 0, 3600, "seconds"),
        host_gap=_number("SCRAPER_HOST_GAP", 0.0, 0, 86400, "seconds"),
        tries=int(_number("SCRAPER_TRIES", DEFAULT_TRIES, 1, 10, "a whole number of tries", whole=True)),
        host_cap=int(_number("SCRAPER_HOST_CAP", DEFAULT_HOST_CAP, 0, 1000, "a whole number of checks",
                             whole=True)),
        admin_password=_admin_password(),
        base_url=_base_url(),
    )


def _workers() -> int | None:
    raw = _number("SCRAPER_WORKERS", 0, 0, MAX_WORKERS, "a whole number of workers", whole=True)
    return int(raw) or None


MAX_WORKERS = 256


def default_workers() -> int:
    """Two checks per core (most of a check is waiting on the page), at most one per 300 MiB of
    memory (a context with its renderer), at least 1."""
    cores = os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError):
        memory = 2048
    return max(1, min(2 * cores, memory // 300, 32))
