"""Channels, found by the target's URL scheme: `mailto:` is email (SMTP, or .eml files when no
SMTP server is configured), `http(s)://` a generic JSON webhook, and any other scheme goes to
Apprise, which knows dozens (slack://, matrix://, ntfy://, json://, form://…)."""

from __future__ import annotations

from scraper.base.envref import ENV_REF, env_names
from scraper.config.settings import EMAIL_ADDRESS, MailSettings
from scraper.reports.channels.apprise_channel import AppriseChannel, known, known_scheme
from scraper.reports.channels.base import Channel, ChannelFactory, DeliveryError, Outgoing
from scraper.reports.channels.mail import EmailChannel
from scraper.reports.channels.named import PREFIX, NamedChannel, check_name, is_named
from scraper.reports.channels.webhook import WebhookChannel
from scraper.reports.targets import Target, mask, written_secret

CHANNELS: dict[str, ChannelFactory] = {
    "mailto": EmailChannel,
    "http": WebhookChannel,
    "https": WebhookChannel,
    PREFIX: NamedChannel,  # @name: a channel of the channels file
}
FALLBACK: ChannelFactory = AppriseChannel


def channel_for(target: Target, mail: MailSettings) -> Channel:
    return CHANNELS.get(target.scheme, FALLBACK)(mail)


def check_channel_url(url: str) -> str:
    """Refuse, before anything is stored, a URL no channel can send to, or one that would store
    its token written out (ValueError; the URL is shown masked, never whole). A URL naming
    `${ENV:NAME}` is checked as far as it can be without the variable's value: its scheme; the
    rest when the report is sent."""
    if ENV_REF.fullmatch(url):
        return url  # the whole URL from the environment
    if is_named(url):
        return check_name(url)  # looked up in the channels file when a report is sent
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "mailto":
        address = url.split(":", 1)[1]
        if address.startswith("/") or not (env_names(url) or EMAIL_ADDRESS.match(address)):
            raise ValueError(f"{mask(url)}: give mailto:ADDRESS (the SMTP server is a setting: "
                             "SCRAPER_SMTP_HOST…)")
    elif scheme not in CHANNELS and not (known_scheme(scheme) if env_names(url) else known(url)):
        raise ValueError(f"{mask(url)}: not a channel URL (mailto:ADDRESS, http(s):// for a JSON "
                         "webhook, or an Apprise URL such as slack://, ntfy://, json://)")
    if written_secret(url):
        raise ValueError(f"{mask(url)}: this channel URL holds credentials (a user or password, a "
                         "query, a token in its host or path); written out they would be stored in "
                         "the database and in `watch export` files: give that part, or the whole "
                         "URL, as ${ENV:NAME}, or name a channel of the channels file (@name)")
    return url


__all__ = ["CHANNELS", "Channel", "DeliveryError", "Outgoing", "channel_for", "check_channel_url"]
