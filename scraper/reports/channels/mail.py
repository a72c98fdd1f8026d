"""The email channel (`mailto:ADDRESS`): a MIME message, handed to a transport. With an SMTP host
configured the transport is SMTP, otherwise an .eml file in the outbox folder."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

from scraper.config.settings import MailSettings
from scraper.reports.channels.base import Outgoing
from scraper.reports.channels.eml import EmlTransport
from scraper.reports.channels.smtp import SmtpTransport
from scraper.reports.message import build_email


class Transport(Protocol):
    def send(self, message: EmailMessage, until: float) -> None:
        """Hand the message over by `until` (time.monotonic()), or raise DeliveryError."""


class EmailChannel:
    def __init__(self, mail: MailSettings) -> None:
        self.mail = mail

    def send(self, outgoing: Outgoing) -> None:
        address = outgoing.target.url.split(":", 1)[1]
        message = build_email(outgoing.rendered, sender=self.mail.sender, to=address,
                              message_id=outgoing.message_id, date=outgoing.created_at)
        self.transport(outgoing).send(message, outgoing.until)

    def transport(self, outgoing: Outgoing) -> Transport:
        if self.mail.smtp is not None:
            return SmtpTransport(self.mail.smtp)
        name = f"{outgoing.created_at:%Y%m%dT%H%M%SZ}-{outgoing.row_id:06d}.eml"
        return EmlTransport(self.mail.outbox_dir, name)
