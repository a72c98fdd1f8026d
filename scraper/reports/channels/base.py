"""What every channel gets, what it raises, and the retry policy inside one send."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from tenacity import RetryCallState, retry, retry_if_exception, wait_exponential

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
    # When the send must be over (time.monotonic()): connecting, each command or exchange, the
    # message, and the quick retries within it (SCRAPER_SEND_TIMEOUT).
    until: float = math.inf

    def left(self) -> float:
        """Seconds left to this send; DeliveryError once there are none."""
        return time_left(self.until)


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


class OutOfTime(DeliveryError):
    """The send's time bound (SCRAPER_SEND_TIMEOUT) passed: the report is tried again later."""


def time_left(until: float) -> float:
    left = until - time.monotonic()
    if left <= 0:
        raise OutOfTime("no time left for another try within SCRAPER_SEND_TIMEOUT")
    return left


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, DeliveryError) and not exc.permanent and not isinstance(exc, OutOfTime)


def with_retries(send: Callable[[], T], wait_seconds: float = 0.5, until: float = math.inf) -> T:
    """Call `send`, again after short waits while it fails with a transient DeliveryError, as
    long as the next try would start before `until` (monotonic)."""
    wait = wait_exponential(multiplier=wait_seconds, max=8)

    def stop(state: RetryCallState) -> bool:
        return state.attempt_number >= SEND_ATTEMPTS or time.monotonic() + wait(state) >= until

    retrying = retry(retry=retry_if_exception(_transient), stop=stop, wait=wait, reraise=True)
    return retrying(send)()
