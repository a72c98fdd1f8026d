"""Email through an SMTP server: plain, STARTTLS or TLS from the start; AUTH when a user is set.

Certificates are verified against the system's trust store (SSL_CERT_FILE / SSL_CERT_DIR point it
elsewhere). The password is never part of an error message, even if a server echoes it.

Bounded: connecting and each command wait at most what is left of the send (SCRAPER_SEND_TIMEOUT),
and a watchdog shuts the connection at the end of it, so a server that answers a byte at a time,
or takes the message and never confirms it, costs the send's bound and no more.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from email.message import EmailMessage

from scraper.config.settings import SmtpSettings
from scraper.reports.channels.base import DeliveryError, time_left, with_retries


class SmtpTransport:
    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp

    def send(self, message: EmailMessage, until: float) -> None:
        with_retries(lambda: self._session(lambda client: client.send_message(message), until),
                     until=until)

    def probe(self, until: float) -> list[str]:
        """Connect, greet (EHLO), STARTTLS and log in as a send would, then QUIT: no message, no
        retries. What was done, in order; DeliveryError as a send would raise it."""
        done: list[str] = []
        self._session(lambda _client: None, until, done)
        return done

    def _session(self, act: Callable[[smtplib.SMTP], object], until: float,
                 done: list[str] | None = None) -> None:
        s = self.smtp
        where = f"SMTP server {s.host}:{s.port}"
        steps = done if done is not None else []
        cut = threading.Event()  # set when the watchdog ended the session
        try:
            client = self._connect(min(s.timeout, time_left(until)))
            # The watchdog outlives the session: leaving it sends QUIT, which a hung server
            # would not answer either.
            with _watchdog(client, time_left(until), cut), client:
                steps.append("connected" + (" over TLS" if s.security == "ssl" else ""))
                client.ehlo()
                steps.append("EHLO")
                if s.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                    steps.append("STARTTLS")
                if s.user:
                    password = s.password.get_secret_value() if s.password else ""
                    client.login(s.user, password)
                    steps.append(f"AUTH as {s.user!r}")
                act(client)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"{where} refused the login of {s.user!r}: {self._said(exc)}",
                                permanent=True) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"{where}: {self._scrub(str(exc))} (check SCRAPER_SMTP_SECURITY)",
                                permanent=True) from None
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(f"{addr}: {self._said(err)}" for addr, err in exc.recipients.items())
            raise DeliveryError(f"{where} refused the recipient ({refused})", permanent=True) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"{where} answered {self._said(exc)}",
                                permanent=exc.smtp_code >= 500) from None
        except ssl.SSLCertVerificationError as exc:
            raise DeliveryError(f"{where}: its certificate is not trusted ({exc.verify_message})",
                                permanent=True) from None
        except (OSError, smtplib.SMTPException) as exc:  # refused, reset, timed out, disconnected
            # smtplib words a socket timeout while reading a reply as "Connection unexpectedly
            # closed: timed out" (the TimeoutError is its context): the same bound, reached first.
            if cut.is_set() or isinstance(exc, TimeoutError) or isinstance(exc.__context__,
                                                                             TimeoutError):
                raise DeliveryError(f"{where} did not answer in time (SCRAPER_SEND_TIMEOUT); "
                                    "the report stays in the outbox") from None
            raise DeliveryError(f"{where}: {self._scrub(str(exc)) or type(exc).__name__}") from None

    def _connect(self, timeout: float) -> smtplib.SMTP:
        s = self.smtp
        if s.security == "ssl":
            return smtplib.SMTP_SSL(s.host, s.port, timeout=timeout,
                                    context=ssl.create_default_context())
        return smtplib.SMTP(s.host, s.port, timeout=timeout)

    def _said(self, exc: object) -> str:
        code, text = (getattr(exc, "smtp_code", None), getattr(exc, "smtp_error", b""))
        if isinstance(exc, tuple):
            code, text = exc
        message = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return self._scrub(f"{code} {message}".strip())

    def _scrub(self, text: str) -> str:
        secret = self.smtp.password.get_secret_value() if self.smtp.password else ""
        return text.replace(secret, "********") if secret else text


@contextlib.contextmanager
def _watchdog(client: smtplib.SMTP, seconds: float, cut: threading.Event) -> Iterator[None]:
    """Shut the session's socket after `seconds` if it is still open: the command waiting on it
    fails at once (a per-command timeout alone restarts with each byte a slow server sends)."""
    def stop() -> None:
        sock = client.sock
        if sock is not None:
            cut.set()
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
