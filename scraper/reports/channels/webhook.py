"""A generic webhook (`http://` or `https://`): the report's change list POSTed as JSON.

    {"message_id": "<…>", "subject": "[scraper] …", "digest": false,
     "reports": [{"watch": "demo", "url": …, "title": …, "check_id": 7, "checked_at": …,
                  "changes": [… the stored changes, as `scraper check --json` prints them …],
                  "evidence": {"path": …, "wacz": …, "package_hash": …} or null}]}

The Message-ID is also sent as `Idempotency-Key`, so a receiver can drop a repeat.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from scraper import __version__
from scraper.config.settings import MailSettings
from scraper.reports.channels.base import DeliveryError, Outgoing, with_retries

TIMEOUT = 30.0


def payload(outgoing: Outgoing) -> dict[str, object]:
    return {
        "message_id": outgoing.message_id,
        "subject": outgoing.rendered.subject,
        "digest": outgoing.report.digest,
        "reports": [item.model_dump(mode="json") for item in outgoing.report.items],
    }


class WebhookChannel:
    def __init__(self, mail: MailSettings) -> None:
        self.mail = mail

    def send(self, outgoing: Outgoing) -> None:
        body = json.dumps(payload(outgoing), ensure_ascii=False).encode()
        request = urllib.request.Request(
            outgoing.target.url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "User-Agent": f"scraper/{__version__}",
                     "Idempotency-Key": outgoing.message_id},
        )
        with_retries(lambda: _post(request, outgoing), until=outgoing.until)


def _post(request: urllib.request.Request, outgoing: Outgoing) -> None:
    shown = outgoing.target.shown
    try:
        with urllib.request.urlopen(request, timeout=min(TIMEOUT, outgoing.left())) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        # 4xx: the receiver will not change its mind (except "too many" or "timeout").
        permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
        raise DeliveryError(f"{shown} answered HTTP {exc.code}", permanent=permanent) from None
    except TimeoutError:
        raise DeliveryError(f"{shown} did not answer in time (SCRAPER_SEND_TIMEOUT)") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise DeliveryError(f"{shown} did not answer in time (SCRAPER_SEND_TIMEOUT)") from None
        raise DeliveryError(f"{shown}: {reason}") from None
