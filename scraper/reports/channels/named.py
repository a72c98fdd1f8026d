"""Named channels (`--notify @team-slack`): channel URLs kept out of the database, in a file of
their own in Apprise's configuration format (TEXT `tag=URL` lines or YAML, so an Apprise user
pastes theirs), readable by its owner only. `@name` is an Apprise tag: every URL tagged with it
gets the report (one name, one channel; a tag shared by several, all of them)."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scraper.config.settings import MailSettings
from scraper.reports.channels.apprise_channel import AppriseChannel
from scraper.reports.channels.base import DeliveryError, Outgoing

PREFIX = "@"
NAME = re.compile(r"^@[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def is_named(url: str) -> bool:
    return url.startswith(PREFIX)


def check_name(url: str) -> str:
    if not NAME.match(url):
        raise ValueError(f"{url!r}: a channel name is @ then 1 to 64 letters, digits, '-', '_' "
                         "or '.' (a tag of the channels file)")
    return url


class ChannelsFileError(Exception):
    """The channels file is missing, open to others, or not Apprise configuration."""


def check_file(path: Path) -> None:
    """It exists and only its owner may read it (it holds tokens, as a private key does)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        raise ChannelsFileError(f"no channels file {path} (set SCRAPER_CHANNELS_FILE, or write "
                                "Apprise's `name=URL` lines there, mode 600)") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ChannelsFileError(f"{path} is open to others (mode {stat.S_IMODE(mode):o}): it holds "
                                f"channel tokens; run `chmod 600 {path}`")


def servers(path: Path, name: str) -> list[Any]:
    """The Apprise services tagged `name` (without its @) in the file."""
    import apprise

    check_file(path)
    config = apprise.AppriseConfig()
    if not config.add(str(path)):
        raise ChannelsFileError(f"{path}: not an Apprise configuration file")
    notifier = apprise.Apprise()
    notifier.add(config)
    found = list(notifier.find(name))
    if not found:
        raise ChannelsFileError(f"{PREFIX}{name}: no channel of {path} has that name or tag")
    return found


def hosts(path: Path, name: str) -> Iterator[tuple[str, int | None, str]]:
    """(host, port, shown) of each service behind `@name`, for the doctor."""
    for server in servers(path, name):
        yield getattr(server, "host", None) or "", getattr(server, "port", None), shown(server)


def shown(server: Any) -> str:
    """scheme://host/…: Apprise's privacy form, without the path and query (a webhook's path may
    be its secret)."""
    scheme, _, rest = str(server.url(privacy=True)).partition("://")
    return f"{scheme}://{re.split(r'[/?#]', rest, maxsplit=1)[0]}/…"


class NamedChannel:
    def __init__(self, mail: MailSettings) -> None:
        self.mail = mail

    def send(self, outgoing: Outgoing) -> None:
        import apprise

        name = outgoing.target.url.removeprefix(PREFIX)
        path = self.mail.channels_file
        if path is None:
            raise DeliveryError(f"{outgoing.target.shown}: no channels file is set", permanent=True)
        try:
            found = servers(path, name)
        except ChannelsFileError as exc:
            raise DeliveryError(str(exc), permanent=True) from None
        notifier = apprise.Apprise()
        for server in found:
            notifier.add(server)
        AppriseChannel.notify_with(notifier, outgoing)
