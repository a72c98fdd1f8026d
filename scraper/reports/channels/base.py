"""What every channel gets, what it raises, and the retry policy inside one send."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from scraper.config.settings import MailSettings
from scraper.reports.render import Rendered
from scraper.reports.report import Report
from scraper.reports.targets import Target

T = TypeVar("T")

# Within one send: a few quick tries ride out a dropped connection or a greylisting 4xx. Longer
# outages are the outbox's business (the row's next attempt, minutes to hours later).
SEND_ATTEMPTS = 3


@dataclass(frozen=True)
class Outgoing:
    row_id: int
    message_id: str
    created_at: datetime
    report: Report
    rendered: Rendered
    target: Target


class DeliveryError(Exception):
    """The channel did not take the report. `permanent`: trying again will not help until the
    configuration changes (a wrong password, a refused address); the row is marked failed."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    def send(self, outgoing: Outgoing) -> None:
        """Deliver, or raise DeliveryError. Returning means the other side accepted it."""


ChannelFactory = Callable[[MailSettings], Channel]


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, DeliveryError) and not exc.permanent


def with_retries(send: Callable[[], T], wait_seconds: float = 0.5) -> T:
    """Call `send`, again after short waits while it fails with a transient DeliveryError."""
    retrying = retry(
        retry=retry_if_exception(_transient),
        stop=stop_after_attempt(SEND_ATTEMPTS),
        wait=wait_exponential(multiplier=wait_seconds, max=8),
        reraise=True,
    )
    return retrying(send)()
