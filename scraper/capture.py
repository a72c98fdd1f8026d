"""One capture: URL -> rendered page -> record. The function every command and watch calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scraper.browser import BrowserSession, RenderJob, RenderOptions
from scraper.browser.render import render
from scraper.extract import PageContent, extract
from scraper.profiles import Profile, load_profiles, matching
from scraper.profiles.schema import NormaliseRule
from scraper.record import Record
from scraper.settings import Settings, load_settings
from scraper.urls import check_url


@dataclass(frozen=True)
class Overrides:
    """A watch's own noise rules, laid over its profile's."""

    ignore: Sequence[str] = ()
    normalise: Sequence[NormaliseRule] = ()


@dataclass(frozen=True)
class Rendered:
    page: PageContent
    profile: Profile


def choose_profile(profiles: Mapping[str, Profile], url: str, name: str | None) -> Profile | None:
    """Explicit name first, then URL patterns; None means: decide by detection after load."""
    if name is not None:
        return matching.named(profiles, name)
    return matching.by_url(profiles, url)


def render_url(
    session: BrowserSession,
    url: str,
    *,
    profiles: Mapping[str, Profile],
    profile: str | None = None,
    deadline: float | None = None,
    options: RenderOptions | None = None,
) -> Rendered:
    chosen = choose_profile(profiles, url, profile)

    def by_detection(html: str) -> Profile:
        return matching.by_detection(profiles, html) or matching.fallback(profiles)

    limit = deadline or (chosen.deadline if chosen and chosen.deadline else None)
    limit = limit or session.settings.deadline
    job = RenderJob(url=url, profile=chosen, choose=by_detection, deadline=limit,
                    options=options or RenderOptions(), guard=session.guard)
    page, used = session.run(lambda browser: render(browser, job), limit)
    return Rendered(page, used)


def apply_overrides(profile: Profile, overrides: Overrides | None) -> Profile:
    if overrides is None or not (overrides.ignore or overrides.normalise):
        return profile
    return profile.model_copy(update={
        "ignore": (*profile.ignore, *overrides.ignore),
        "normalise": (*profile.normalise, *overrides.normalise),
    })


def capture(
    url: str,
    *,
    profile: str | None = None,
    deadline: float | None = None,
    session: BrowserSession | None = None,
    settings: Settings | None = None,
    overrides: Overrides | None = None,
    options: RenderOptions | None = None,
) -> Record:
    """Render `url` and extract its record. Bad input raises InputError before any browser starts.

    `options` attach recorders (evidence) to this same render, and may change what is blocked."""
    url = check_url(url)
    settings = settings or (session.settings if session else load_settings())
    profiles = load_profiles(settings.profile_dirs)
    choose_profile(profiles, url, profile)  # an unknown --profile fails before the browser starts
    if session is None:
        with BrowserSession(settings) as own:
            rendered = render_url(own, url, profiles=profiles, profile=profile, deadline=deadline,
                                  options=options)
    else:
        rendered = render_url(session, url, profiles=profiles, profile=profile, deadline=deadline,
                              options=options)
    return extract(rendered.page, apply_overrides(rendered.profile, overrides))
