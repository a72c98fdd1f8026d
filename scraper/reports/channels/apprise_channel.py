"""Any channel Apprise knows (Slack, Matrix, ntfy, Discord, json://, form://…): the subject as
the title, the plain-text report as the body."""

from __future__ import annotations

import logging
from typing import Any

from scraper.config.settings import MailSettings
from scraper.reports.channels.base import DeliveryError, Outgoing, with_retries

# Apprise logs its failures through the standard logging module, which with no handler prints them
# to stderr, hosts and paths included; the outbox records the failure instead.
logging.getLogger("apprise").addHandler(logging.NullHandler())
logging.getLogger("apprise").propagate = False


# apprise is imported where it is used: it takes a while, and `scraper watch add` needs it only for
# a --notify URL.


def known(url: str) -> bool:
    import apprise

    return apprise.Apprise.instantiate(url) is not None


def known_scheme(scheme: str) -> bool:
    """A scheme Apprise has a plugin for (a URL whose tokens come from the environment cannot be
    parsed whole before they are read)."""
    from apprise.manager_plugins import NotificationManager

    return scheme in NotificationManager()  # type: ignore[no-untyped-call]


class AppriseChannel:
    def __init__(self, mail: MailSettings) -> None:
        self.mail = mail

    def send(self, outgoing: Outgoing) -> None:
        import apprise

        notifier = apprise.Apprise()
        if not notifier.add(outgoing.target.url):
            raise DeliveryError(f"{outgoing.target.shown}: not a channel URL Apprise knows",
                                permanent=True)
        self.notify_with(notifier, outgoing)

    @staticmethod
    def notify_with(notifier: Any, outgoing: Outgoing) -> None:
        import apprise

        def once() -> None:
            accepted = notifier.notify(title=outgoing.rendered.subject, body=outgoing.rendered.text,
                                       body_format=apprise.NotifyFormat.TEXT)
            if not accepted:
                raise DeliveryError(f"{outgoing.target.shown} did not accept the report")

        with_retries(once, until=outgoing.until)
