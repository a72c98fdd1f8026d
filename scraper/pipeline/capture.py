"""One capture: URL -> rendered page -> record. The function every command and watch calls."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scraper.base.envref import env_names
from scraper.base.errors import InputError, JobFailed
from scraper.base.urls import check_url
from scraper.browser import BrowserSession, RenderJob, RenderOptions
from scraper.browser.actions import describe
from scraper.browser.plain import fetch_plain
from scraper.browser.render import effective_fetch, render
from scraper.browser.trace import Trace
from scraper.config.settings import Settings
from scraper.extract import PageContent, extract
from scraper.extract.budget import Tick
from scraper.model.fetch import Fetch
from scraper.model.record import Record
from scraper.profiles import Profile, is_profile_file, load_profile_file, load_profiles, matching
from scraper.profiles.schema import DEFAULT_MAX_HTML, Action, NormaliseRule

# Seconds an extraction gets after the render at least, however little of the deadline is left:
# a render that used its time up to the margin still gets its (normally quick) page read.
EXTRACT_AT_LEAST = 2.0


@dataclass(frozen=True)
class Overrides:
    """A watch's own settings, laid over its profile's: noise rules, fetch settings, steps."""

    ignore: Sequence[str] = ()
    normalise: Sequence[NormaliseRule] = ()
    fetch: Fetch = field(default_factory=Fetch)
    actions: Sequence[Action] = ()
    session_file: Path | None = None  # where the watch's session is kept (`fetch.keep_session`)
    select: Sequence[str] = ()  # the watch's own selectors (`--select`): its profile, one line


@dataclass(frozen=True)
class Rendered:
    page: PageContent
    profile: Profile
    trace: Trace = field(default_factory=Trace)


def choose_profile(
    profiles: Mapping[str, Profile], url: str, ref: str | None, dirs: Iterable[Path] = ()
) -> Profile | None:
    """`ref` (a name, or a profile file), then URL patterns; None: decide by detection after load."""
    if ref is not None:
        if is_profile_file(ref):
            return load_profile_file(Path(ref).expanduser(), dirs)
        return matching.named(profiles, ref)
    return matching.by_url(profiles, url)


def check_env(profile: Profile | None, overrides: Overrides | None) -> None:
    """Every `${ENV:NAME}` the render will need is set: else bad input, before any browser starts."""
    fetch = overrides.fetch if overrides else Fetch()
    if profile is not None:
        fetch = fetch.over(profile.fetch)
    missing = fetch.missing_env()
    actions = [*(overrides.actions if overrides else ()), *(profile.actions if profile else ())]
    for action in actions:
        value = getattr(action, "value", None)
        if isinstance(value, str):
            kind, target = describe(action)
            missing += [f"{kind} {target}: {n}" for n in env_names(value) if n not in os.environ]
    if missing:
        raise InputError("environment variables not set: " + "; ".join(missing)
                         + " (a value written ${ENV:NAME} is read from the environment)")


def render_target(session: BrowserSession, target: Target, *, deadline: float | None = None,
                  trace: Trace | None = None, options: RenderOptions | None = None) -> Rendered:
    """Render the resolved page (its profile None: chosen by detection, among its profiles)."""
    settings = session.settings
    profiles, chosen, overrides = target.profiles, target.profile, target.overrides

    def by_detection(html: str) -> Profile:
        return matching.by_detection(profiles, html) or matching.fallback(profiles)

    limit = job_deadline(target, settings, deadline)
    job = RenderJob(
        url=target.url, profile=chosen, choose=by_detection, deadline=limit,
        options=options or RenderOptions(), guard=session.guard,
        fetch=overrides.fetch if overrides else Fetch(), defaults=Fetch(proxy=settings.proxy),
        before=tuple(overrides.actions) if overrides else (), trace=trace or Trace(),
        session_file=overrides.session_file if overrides else None,
    )
    page, used = session.run(lambda browser: render(browser, job), limit)
    return Rendered(page, used, job.trace)


def render_url(session: BrowserSession, url: str, *, profile: str | None = None,
               deadline: float | None = None, trace: Trace | None = None,
               options: RenderOptions | None = None) -> Rendered:
    """Render `url` with its profile, resolved as a capture resolves it, and extract nothing
    (`profile test`, the benchmarks)."""
    target = resolve(url, session.settings, profile=profile)
    return render_target(session, target, deadline=deadline, trace=trace, options=options)


def apply_overrides(profile: Profile, overrides: Overrides | None) -> Profile:
    if overrides is None or not (overrides.ignore or overrides.normalise):
        return profile
    return profile.model_copy(update={
        "ignore": (*profile.ignore, *overrides.ignore),
        "normalise": (*profile.normalise, *overrides.normalise),
    })


@dataclass(frozen=True)
class Target:
    """A page and its profile, resolved once (the profile None: chosen by detection after load)."""

    url: str
    profiles: Mapping[str, Profile]
    profile: Profile | None
    overrides: Overrides | None = None


def resolve(url: str, settings: Settings, *, profile: str | None = None,
            overrides: Overrides | None = None) -> Target:
    """Check the URL, choose the profile, and see that every ${ENV:…} it needs is set: InputError
    for bad input, before any browser starts."""
    url = check_url(url)
    profiles = load_profiles(settings.profile_dirs)
    if overrides is not None and overrides.select:
        chosen: Profile | None = matching.selection(overrides.select)
    else:
        chosen = choose_profile(profiles, url, profile, settings.profile_dirs)
    check_env(chosen, overrides)
    return Target(url, profiles, chosen, overrides)


def job_deadline(target: Target, settings: Settings, deadline: float | None = None) -> float:
    """Seconds one capture of `target` may take: `deadline` if given, else its profile's, else
    SCRAPER_DEADLINE."""
    chosen = target.profile
    return deadline or (chosen.deadline if chosen and chosen.deadline else None) or settings.deadline


def capture_target(target: Target, session: BrowserSession, *, deadline: float | None = None,
                   options: RenderOptions | None = None, trace: Trace | None = None) -> Record:
    """Render the resolved page and extract its record (each try of a check), both within the
    job's deadline. `trace`: filled in as the page loads."""
    limit = job_deadline(target, session.settings, deadline)
    until = time.monotonic() + limit
    rendered = render_target(session, target, deadline=deadline, options=options, trace=trace)
    tick = extraction_bound(max(until, time.monotonic() + EXTRACT_AT_LEAST), limit)
    return extract(rendered.page, apply_overrides(rendered.profile, target.overrides), tick)


def extraction_bound(until: float, limit: float) -> Tick:
    """The tick that ends an extraction still running at `until` (monotonic): a page built to
    be slow to read (thousands of nested replies) fails at the deadline, like one slow to load."""
    def tick() -> None:
        if time.monotonic() > until:
            raise JobFailed(f"reading the page took longer than the deadline ({limit:g}s) allows: "
                            "too many comments or too deep a thread to extract in time", "timeout")
    return tick


def capture_plain(target: Target, settings: Settings, *, deadline: float | None = None) -> Record:
    """Fetch the resolved page plainly, without a browser, and extract its record (`render:
    auto` or `never`). Its fetch settings are a render's (the watch's over the profile's over
    SCRAPER_PROXY); a profile found by detection with fetch settings of its own fetches again."""
    overrides = target.overrides
    job = RenderJob(url=target.url, profile=target.profile, deadline=deadline or settings.deadline,
                    choose=lambda html: matching.fallback(target.profiles),
                    fetch=overrides.fetch if overrides else Fetch(), defaults=Fetch(proxy=settings.proxy))

    def get(profile: Profile | None) -> PageContent:
        max_html = profile.max_html if profile else DEFAULT_MAX_HTML
        return fetch_plain(target.url, effective_fetch(job, profile).resolved(), job.deadline, max_html)

    profile = target.profile
    page = get(profile)
    if profile is None:
        profile = matching.by_detection(target.profiles, page.html) or matching.fallback(target.profiles)
        if profile.fetch != Fetch():
            page = get(profile)
    return extract(page, apply_overrides(profile, overrides))


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

    `settings`: default, the session's. `options` attach recorders (evidence) to this same
    render, and may change what is blocked."""
    settings = settings or (session.settings if session else None)
    if settings is None:
        raise TypeError("capture needs a browser session or the settings")
    target = resolve(url, settings, profile=profile, overrides=overrides)
    if session is None:
        with BrowserSession(settings) as own:
            return capture_target(target, own, deadline=deadline, options=options)
    return capture_target(target, session, deadline=deadline, options=options)
