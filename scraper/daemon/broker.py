"""The Dramatiq broker the scheduler and its workers share, chosen by SCRAPER_BROKER_URL's scheme:
Redis (tested) or RabbitMQ (the same code; `pip install 'dramatiq[rabbitmq]'`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

QUEUE = "scraper-checks"
ACTOR = "scraper_check"
# A worker silent this long is taken for dead and its unacked messages are queued again; the
# AgeLimit then drops those the scheduler has written off (scraper.daemon.distributed).
HEARTBEAT_MS = 15_000


def _redis(url: str) -> Any:
    from dramatiq.brokers.redis import RedisBroker

    return RedisBroker(url=url, heartbeat_timeout=HEARTBEAT_MS)  # type: ignore[no-untyped-call]


def _rabbitmq(url: str) -> Any:
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    return RabbitmqBroker(url=url)


_BROKERS: dict[str, Callable[[str], Any]] = {"redis": _redis, "rediss": _redis, "amqp": _rabbitmq}


def make_broker(url: str) -> Any:
    """A dramatiq Broker for `url` (not made the global one: each process holds its own)."""
    scheme = url.split("://", 1)[0]
    return _BROKERS[scheme](url)


def ping(broker: Any) -> None:
    """Raise when the broker cannot be reached."""
    client = getattr(broker, "client", None)
    if client is not None:  # Redis
        client.ping()
    else:
        broker.get_declared_queues()
