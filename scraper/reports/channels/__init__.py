"""Channels, found by the target's URL scheme: `mailto:` is email (SMTP, or .eml files when no
SMTP server is configured), `http(s)://` a generic JSON webhook, and any other scheme goes to
Apprise, which knows dozens (slack://, matrix://, ntfy://, json://, form://…)."""

from __future__ import annotations

from scraper.errors import InputError
from scraper.reports.channels.apprise_channel import AppriseChannel, known
from scraper.reports.channels.base import Channel, ChannelFactory, DeliveryError, Outgoing
from scraper.reports.channels.mail import EmailChannel
from scraper.reports.channels.webhook import WebhookChannel
from scraper.reports.targets import Target, mask
from scraper.settings import EMAIL_ADDRESS, MailSettings

CHANNELS: dict[str, ChannelFactory] = {
    "mailto": EmailChannel,
    "http": WebhookChannel,
    "https": WebhookChannel,
}
FALLBACK: ChannelFactory = AppriseChannel


def channel_for(target: Target, mail: MailSettings) -> Channel:
    return CHANNELS.get(target.scheme, FALLBACK)(mail)


def check_channel_url(url: str, option: str = "--notify") -> str:
    """Refuse, before anything is stored, a URL no channel can send to (secrets never echoed)."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "mailto":
        if not EMAIL_ADDRESS.match(url.split(":", 1)[1]):
            raise InputError(f"{option} {url!r}: not an e-mail address")
    elif scheme not in CHANNELS and not known(url):
        raise InputError(f"{option} {mask(url)}: not a channel URL (mailto:ADDRESS, http(s):// for "
                         "a JSON webhook, or an Apprise URL such as slack://, ntfy://, json://)")
    return url


__all__ = ["CHANNELS", "Channel", "DeliveryError", "Outgoing", "channel_for", "check_channel_url"]
