"""Doctor: where change reports go. The SMTP server is asked what a send would ask (connect, EHLO,
STARTTLS, AUTH), then left (QUIT): nothing is sent. With `--channels`, each channel's host is
connected to (TCP, and TLS for https), nothing posted."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import urlsplit

from scraper.config.settings import Settings
from scraper.doctor.result import Check
from scraper.reports.channels.base import DeliveryError
from scraper.reports.channels.named import ChannelsFileError, hosts, servers, shown
from scraper.reports.channels.smtp import SmtpTransport
from scraper.reports.targets import NAMED, mask

CONNECT_TIMEOUT_S = 5.0
_DEFAULT_PORTS = {"http": 80, "https": 443, "json": 80, "jsons": 443, "form": 80, "forms": 443,
                  "xml": 80, "xmls": 443}


def check_smtp(settings: Settings) -> Check:
    smtp = settings.mail.smtp
    if smtp is None:
        return Check("email", True, f"no SMTP server set: reports to addresses are written as .eml "
                     f"files in {settings.mail.outbox_dir}",
                     facts={"smtp": None})
    facts = {"host": smtp.host, "port": smtp.port, "security": smtp.security}
    transport = SmtpTransport(replace(smtp, timeout=CONNECT_TIMEOUT_S))
    try:
        done = transport.probe(time.monotonic() + 2 * CONNECT_TIMEOUT_S)  # the whole session
    except DeliveryError as exc:
        return Check("email", False, str(exc),
                     fix="check SCRAPER_SMTP_HOST, _PORT, _SECURITY, _USER and _PASSWORD; then "
                         "`scraper notify test --email ADDR`", facts=facts)
    return Check("email", True, f"SMTP {smtp.host}:{smtp.port}: {', '.join(done)} (nothing sent)",
                 facts=facts)


def check_channels(settings: Settings) -> list[Check]:
    """One check per default channel (SCRAPER_NOTIFY) and per channel of the channels file."""
    checks = list(_default_channels(settings))
    path = settings.mail.channels_file
    if path is not None and path.exists():
        try:
            found = servers(path, "all")  # Apprise's "all" tag: every entry
            checks.extend(_reach(shown(s), getattr(s, "host", None) or "", getattr(s, "port", None))
                          for s in found)
        except ChannelsFileError as exc:
            checks.append(Check("channels file", False, str(exc), fix="see docs/reports.md"))
    if not checks:
        checks.append(Check("channels", True, "no channel configured (SCRAPER_NOTIFY, channels file)"))
    return checks


def _default_channels(settings: Settings) -> Iterator[Check]:
    for url in settings.mail.channels:
        if url.startswith(NAMED):
            path = settings.mail.channels_file
            try:
                for host, port, shown in hosts(path, url[1:]) if path else ():
                    yield _reach(shown, host, port)
            except ChannelsFileError as exc:
                yield Check(f"channel {url}", False, str(exc), fix="see docs/reports.md")
            continue
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            port = None
        yield _reach(mask(url), parts.hostname or "", port)


def _is_host(host: str) -> bool:
    return host == "localhost" or "." in host or ":" in host


def _reach(shown: str, host: str, port: int | None) -> Check:
    scheme = shown.split(":", 1)[0].lower()
    port = port or _DEFAULT_PORTS.get(scheme, 443)
    name = f"channel {shown}"
    if not _is_host(host):
        # slack://TOKEN/…: Apprise keeps a token where the host goes; the service has its own.
        return Check(name, True, "the service's own host (not checked)")
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        return Check(name, False, f"{host}:{port}: {exc.strerror or exc}",
                     fix="check the URL, and that this machine may reach that host")
    return Check(name, True, f"{host}:{port}: reachable (nothing sent)")
