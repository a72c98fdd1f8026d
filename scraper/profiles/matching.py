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


SELECTION = "select"  # the name of a watch's own profile (`--select`)


def selection(selects: Iterable[str]) -> Profile:
    """A watch's own one-line profile (`watch add URL --select CSS`): the text of those elements, in
    page order, each a paragraph; no comments, no fallbacks (elements gone are a profile mismatch,
    never an empty page reported as changed). Several selectors read as one union."""
    from parsel.csstranslator import HTMLTranslator

    given = [s.strip() for s in selects]
    if len(given) == 1 or not any(is_xpath(s) for s in given):
        union = ", ".join(given)
    else:
        translate = HTMLTranslator().css_to_xpath
        union = "xpath:" + " | ".join(
            f"({s.removeprefix('xpath:') if is_xpath(s) else translate(s)})" for s in given)
    css = [s for s in given if not is_xpath(s)]
    return Profile.model_validate({
        "name": SELECTION, "description": "the watch's own selectors (--select)",
        "ready": {"selector": css[0], "required": False} if css else {"network_idle": True},
        "block": ["image", "media", "font"],
        "article": {"text": union, "auto": False},
    })
