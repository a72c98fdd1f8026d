"""Settings: plain data, built once where a process starts and passed down to what needs them.

`load_settings()` reads them from the environment (the variables are the fields of
`scraper.config.environment.Environment`); tests build them with `load_settings()` over a
temporary home, then `dataclasses.replace` what they need.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
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
# Seconds a job past its deadline gets to close its page before its caller gives up on it.
DEFAULT_TEARDOWN_GRACE = 15.0
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
EXECUTORS = ("local", "dramatiq")
DEFAULT_HOST_CAP = 4
DEFAULT_TRIES = 3
# Seconds one report's send may take in all (SCRAPER_SEND_TIMEOUT): connecting, each command, the
# message, and the quick retries within the send.
DEFAULT_SEND_TIMEOUT = 30.0
DEFAULT_RENDER_VERIFY_EVERY = 10

SmtpSecurity = Literal["none", "starttls", "ssl"]
SMTP_PORTS: dict[str, int] = {"none": 25, "starttls": 587, "ssl": 465}
DEFAULT_SENDER = "scraper@localhost"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def smtp_security_for(host: str, port: int | None) -> str:
    """SCRAPER_SMTP_SECURITY when it is not set: what the port is for (465 TLS from the start, 587
    STARTTLS, 25 plain), else plain for a relay on this machine and STARTTLS for any other."""
    by_port = {p: security for security, p in SMTP_PORTS.items()}
    if port in by_port:
        return by_port[port]
    return "none" if host.lower() in LOOPBACK_HOSTS or host.startswith("127.") else "starttls"
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
    send_timeout: float = DEFAULT_SEND_TIMEOUT  # seconds one send may take, all of it
    channels_file: Path | None = None  # named channels (`--notify @name`), Apprise configuration

    def __repr__(self) -> str:
        # The channel URLs may carry tokens: count them, never show them.
        return (f"MailSettings(smtp={self.smtp!r}, sender={self.sender!r}, "
                f"recipient={self.recipient!r}, channels=<{len(self.channels)}>, "
                f"templates={self.templates!r}, outbox_dir={self.outbox_dir!r}, "
                f"send_timeout={self.send_timeout!r})")


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    profile_folders: tuple[Path, ...]  # the built-in one, then SCRAPER_PROFILES (see profile_dirs)
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
    trusted_keys: Path | None = None  # public keys / fingerprints `verify` requires a signature by
    # The daemon (`scraper run`; see scraper/daemon/).
    workers: int | None = None  # checks at a time; None: from the CPU count and memory
    recycle_pages: int = DEFAULT_RECYCLE_PAGES  # a new browser after this many pages (0: never)
    recycle_mib: float = DEFAULT_RECYCLE_MIB  # ... or once its processes pass this size (0: never)
    driver_heap_mib: int = DEFAULT_DRIVER_HEAP_MIB  # Playwright's Node driver's heap bound (0: Node's)
    ramp: float = DEFAULT_RAMP  # seconds over which overdue checks are spread at start, at most
    grace: float = DEFAULT_GRACE  # seconds in-flight checks may finish in after SIGTERM
    teardown_grace: float = DEFAULT_TEARDOWN_GRACE  # a timed-out job's teardown, at most
    host_gap: float = 0.0  # seconds between two checks of one host (profiles and watches override)
    host_cap: int = DEFAULT_HOST_CAP  # checks of one host at a time (0: no limit but the workers)
    tries: int = DEFAULT_TRIES  # tries of a check's capture after transient failures (1: no retry)
    # Scale-out (docs/scale-out.md): where checks run (local threads, or Dramatiq workers) and the
    # broker the scheduler and the workers share.
    executor: str = "local"
    broker_url: str = DEFAULT_BROKER_URL
    # `render: auto`: a page fetched plainly is rendered again every this many checks (issue 25).
    render_verify_every: int = DEFAULT_RENDER_VERIFY_EVERY
    # The dashboard: its admin password (pages behind a login; needed to listen beyond loopback)
    # and the address people reach it at (links in change reports to the change's page).
    admin_password: SecretStr | None = None
    base_url: str | None = None
    # History retention for watches that set none (None: keep every check).
    keep: str | None = None  # checks without changes older than this go ("90d")
    keep_checks: int | None = None  # ... or beyond the newest this many
    variables: tuple[str, ...] = ()  # the SCRAPER_ variables these came from (names only, for the doctor)

    @property
    def saved_profiles(self) -> Path:
        """Where the dashboard's profile builder saves: the last SCRAPER_PROFILES folder, else the
        data folder's `profiles/`."""
        return self.profile_folders[-1] if len(self.profile_folders) > 1 else self.home / "profiles"

    @property
    def profile_dirs(self) -> tuple[Path, ...]:
        """The folders profiles load from: with no SCRAPER_PROFILES, the data folder's `profiles/`
        once the builder has saved one there (looked at each time: a server sees a new one)."""
        saved = self.home / "profiles"
        if len(self.profile_folders) == 1 and saved.is_dir():
            return (*self.profile_folders, saved)
        return self.profile_folders

    @property
    def captures_dir(self) -> Path:
        return self.home / "captures"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"


def profile_dirs(extra: Sequence[Path] = ()) -> tuple[Path, ...]:
    """The built-in profiles first, then each folder of `extra` (SCRAPER_PROFILES): a later folder's
    profile of the same name wins, and a user's profile can `extends:` a built-in one."""
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


class SettingsError(InputError):
    """A variable with a value the tool cannot use; `variables` names those set (never values)."""

    def __init__(self, message: str, *, where: str | None, variables: tuple[str, ...]) -> None:
        super().__init__(message, where=where)
        self.variables = variables


def load_settings() -> Settings:
    """The settings from the environment (see scraper/config/environment.py for every variable):
    called once where a process starts (a command, `run`, `serve`), then passed down.
    A bad value raises SettingsError (exit 2) naming the variable, its value and what is allowed."""
    from scraper.config.environment import load  # pydantic-settings: loaded when settings are read

    return load()


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
