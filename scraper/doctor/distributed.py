"""Doctor, for the scale-out (SCRAPER_EXECUTOR=dramatiq, and every `scraper worker`): the broker,
this machine's clock against the database's, the shared folder and the evidence key.

Only asked when the executor is dramatiq: one machine with the local executor needs none of it.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError

from scraper import store
from scraper.config.settings import Settings
from scraper.doctor.files import writable_place
from scraper.doctor.result import Check
from scraper.evidence import signing
from scraper.store.clock import MAX_SKEW, clock_skew

CONNECT_TIMEOUT_S = 5


def check_scale_out(settings: Settings) -> tuple[Check, ...]:
    if settings.executor != "dramatiq":
        return ()
    return check_broker(settings), check_clock(settings), check_shared(settings)


def check_broker(settings: Settings) -> Check:
    scheme = settings.broker_url.split("://", 1)[0]
    facts = {"scheme": scheme, "reachable": False}  # never the URL: it may carry a password
    try:
        _ping(settings.broker_url)
    except ImportError:
        return Check("broker", False, "Dramatiq is not installed",
                     fix="pip install 'scraper[distributed]'", facts=facts)
    except Exception as exc:
        return Check("broker", False, f"the {scheme} broker (SCRAPER_BROKER_URL) is not reachable: "
                     f"{type(exc).__name__}", fix="start it, or correct SCRAPER_BROKER_URL", facts=facts)
    facts["reachable"] = True
    return Check("broker", True, f"the {scheme} broker answers", facts=facts)


def _ping(url: str) -> None:
    import dramatiq  # noqa: F401  (the workers need it, not only a client)

    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_S)
        try:
            client.ping()
        finally:
            client.close()
        return
    # RabbitMQ: that its port answers (its client library is an extra of Dramatiq's own).
    parts = urlsplit(url)
    socket.create_connection((parts.hostname or "localhost", parts.port or 5672),
                             timeout=CONNECT_TIMEOUT_S).close()


def check_clock(settings: Settings) -> Check:
    try:
        engine = store.make_engine(settings.database_url)
        try:
            skew = clock_skew(engine)
        finally:
            engine.dispose()
    except (SQLAlchemyError, ValueError) as exc:
        return Check("clock", False, f"cannot read the database's clock: {type(exc).__name__}",
                     fix="see the database check above")
    facts = {"skew_seconds": round(skew, 3), "max_seconds": MAX_SKEW}
    if abs(skew) > MAX_SKEW:
        return Check("clock", False, f"this machine's clock is {skew:+.1f}s off the database's "
                     f"(at most {MAX_SKEW:g}s): a worker refuses to start",
                     fix="synchronise it (e.g. `timedatectl set-ntp true`)", facts=facts)
    return Check("clock", True, f"{skew:+.2f}s off the database's", facts=facts)


def check_shared(settings: Settings) -> Check:
    """Captures and the signing key: one folder every machine mounts (SCRAPER_HOME)."""
    _, problem = writable_place(settings.captures_dir)
    key = settings.keys_dir / signing.PRIVATE_KEY
    fingerprint = signing.load_or_create(settings.keys_dir).fingerprint if key.is_file() else None
    facts = {"captures": str(settings.captures_dir), "writable": problem is None,
             "key_fingerprint": fingerprint}
    if problem:
        return Check("shared folder", False, f"{settings.captures_dir}: {problem}",
                     fix=f"mount the shared folder at {settings.home} (writable) on every machine",
                     facts=facts)
    if fingerprint is None:
        return Check("shared folder", False, f"no evidence key in {settings.keys_dir}: a worker here "
                     "refuses the checks of watches that keep evidence",
                     fix="start the scheduler once (it makes the key), and mount the same folder here",
                     facts=facts)
    return Check("shared folder", True, f"{settings.home} writable; evidence key "
                 f"{fingerprint[:16]}… (the same on every machine)", facts=facts)
