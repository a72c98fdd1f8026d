"""Which profile fits a page: an explicit name, then URL patterns, then detection in the page."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping

from parsel import Selector

from scraper.base.errors import InputError
from scraper.profiles.schema import Profile, is_xpath

FALLBACK = "generic"


def named(profiles: Mapping[str, Profile], name: str) -> Profile:
    if name not in profiles:
        raise InputError(f"no profile named {name!r} (known: {', '.join(sorted(profiles))})")
    return profiles[name]


def url_matches(profile: Profile, url: str) -> bool:
    for pattern in profile.match.urls:
        if pattern.startswith("re:"):
            if re.search(pattern[3:], url):
                return True
        elif fnmatch.fnmatchcase(url, pattern):
            return True
    return False


def ranked(profiles: Mapping[str, Profile]) -> list[Profile]:
    """The order in which profiles are tried: highest priority first, then by name."""
    return sorted(profiles.values(), key=lambda p: (-p.priority, p.name))


def first_by_url(ranked_profiles: Iterable[Profile], url: str) -> Profile | None:
    """`by_url` over profiles already `ranked` (many URLs, one ranking)."""
    return next((p for p in ranked_profiles if url_matches(p, url)), None)


def by_url(profiles: Mapping[str, Profile], url: str) -> Profile | None:
    return first_by_url(ranked(profiles), url)


def detects(profile: Profile, page: Selector) -> bool:
    rule = profile.match.detect
    if rule is None:
        return False
    found = page.xpath(rule.removeprefix("xpath:")) if is_xpath(rule) else page.css(rule)
    return bool(found)


def by_detection(profiles: Mapping[str, Profile], html: str) -> Profile | None:
    page = Selector(text=html)
    return next((p for p in ranked(profiles) if detects(p, page)), None)


def fallback(profiles: Mapping[str, Profile]) -> Profile:
    if FALLBACK not in profiles:
        raise InputError(f"no profile matches and the fallback profile {FALLBACK!r} is missing")
    return profiles[FALLBACK]
