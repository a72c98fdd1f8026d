"""Render one URL: open a fresh context, navigate, pick the profile, wait, act, read the DOM."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from loguru import logger

from scraper.base.errors import JobFailed
from scraper.base.times import iso_now
from scraper.browser import devtools, navigate, steps
from scraper.browser.actions import REACTIONS, follow_to_bottom, run_actions, warm_locators
from scraper.browser.context import open_context
from scraper.browser.guard import WEBRTC_OFF, Resolver
from scraper.browser.hints import headful_hints
from scraper.browser.quiet import QuietWatch
from scraper.browser.recorder import Recorder
from scraper.browser.trace import Trace
from scraper.model.fetch import Fetch
from scraper.model.page import PageContent
from scraper.profiles.schema import DEFAULT_MAX_HTML, Action, Profile

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

# Given the HTML after load, the profile to use (for pages no URL pattern or --profile decided).
Chooser = Callable[[str], Profile]
# What is blocked before a profile is known: media and fonts never carry the record.
DEFAULT_BLOCK = ("media", "font")
# Seconds kept back from the deadline for reporting a failed wait and closing the context.
STEP_MARGIN = 1.0
# At most this share of the time left goes to the ready wait.
READY_SHARE = 0.8


@dataclass(frozen=True)
class RenderOptions:
    # Observers of this one render (evidence artifacts): attached before navigation, collected
    # once the page is ready and the profile's actions have run, finished after the context closed.
    recorders: Sequence[Recorder] = ()
    # None: the profile's `block:` (or DEFAULT_BLOCK); () loads everything (an evidence capture).
    block: Sequence[str] | None = None
    # Only when a person asks for it, for one capture: the certificate's facts are still recorded.
    ignore_https_errors: bool = False


@dataclass(frozen=True)
class RenderJob:
    url: str
    profile: Profile | None  # None: decide by detection once the page has loaded
    choose: Chooser
    deadline: float
    options: RenderOptions = RenderOptions()
    guard: Resolver | None = None  # SCRAPER_BLOCK_PRIVATE: refuse a private main URL up front
    fetch: Fetch = field(default_factory=Fetch)  # the watch's own fetch settings: over the profile's
    defaults: Fetch = field(default_factory=Fetch)  # SCRAPER_PROXY: under the profile's
    before: tuple[Action, ...] = ()  # the watch's own steps: right after load, before ready
    trace: Trace = field(default_factory=Trace)  # filled as the render goes
    session_file: Path | None = None  # the watch's kept session (--keep-session), read and saved


def effective_fetch(job: RenderJob, profile: Profile | None) -> Fetch:
    """The watch's settings over the profile's over the defaults."""
    base = profile.fetch.over(job.defaults) if profile else job.defaults
    return job.fetch.over(base)


async def render(browser: Browser, job: RenderJob) -> tuple[PageContent, Profile]:
    loop = asyncio.get_running_loop()
    # The waits end a little before the job's hard deadline (BrowserSession.run), so a ready
    # condition that never comes is reported by name and the context still has time to close.
    end = loop.time() + job.deadline - min(STEP_MARGIN, job.deadline / 10)
    if job.guard is not None:  # the clear message for the common case; the proxy does the rest
        parts = urlsplit(job.url)
        default_port = 443 if parts.scheme == "https" else 80
        await job.guard.check(parts.hostname or "", parts.port or default_port)
    found = await _render(browser, job, job.profile, end)
    if isinstance(found, Profile):
        # Detected in the loaded page, with fetch settings of its own: load it again with them.
        found = await _render(browser, job, found, end)
    assert not isinstance(found, Profile)
    return found


async def _render(browser: Browser, job: RenderJob, profile: Profile | None,
                  end: float) -> tuple[PageContent, Profile] | Profile:
    """One load of the page; or the profile detected in it, when that one's fetch settings would
    have loaded it otherwise (never with recorders: evidence records one load)."""
    loop = asyncio.get_running_loop()
    fetch = effective_fetch(job, profile).resolved()
    if fetch.proxy and job.guard is not None:
        # The guard is the browser's own proxy: a context's proxy would go around it.
        raise JobFailed("SCRAPER_BLOCK_PRIVATE cannot guard pages loaded through a proxy; unset "
                        "the proxy of this watch or profile, or SCRAPER_BLOCK_PRIVATE", "profile")
    extra: dict[str, Any] = {"ignore_https_errors": True} if job.options.ignore_https_errors else {}
    if job.session_file is not None and job.session_file.is_file():
        extra["storage_state"] = str(job.session_file)
    for recorder in job.options.recorders:
        extra.update(recorder.context_options())
    context, job.trace.user_agent = await open_context(browser, fetch, job.url, extra)
    seen = navigate.Observations()
    max_html = profile.max_html if profile else DEFAULT_MAX_HTML
    failure: Exception | None = None
    try:
        context.set_default_timeout(job.deadline * 1000)
        if job.guard is not None:  # before any page: every frame of the context is born without
            await context.add_init_script(WEBRTC_OFF)
        page = await context.new_page()
        steps.guard(context, page)
        quiet = QuietWatch()
        await quiet.attach(context, page, REACTIONS)
        for recorder in job.options.recorders:
            await recorder.attach(context, page)
        fetched_at = iso_now()
        await devtools.prepare(page, seen, max_html, devtools.block_patterns(_blocked(job, profile)),
                               await _identity(browser, fetch, job.trace.user_agent))
        await navigate.goto(page, job.url, _load_bound(profile, end - loop.time()), seen, max_html,
                            end)
        detected = profile is None
        if profile is None:
            await navigate.landed(page, seen)
            profile = job.choose(await _document(page, seen, max_html, end))
            if profile.fetch != Fetch() and not job.options.recorders:
                return profile
        before = seen.starts  # the watch's steps (a login form) navigate as asked: no hops
        warnings = await run_actions(page, await _steps_to_run(page, job, fetch), end, source="watch",
                                     trace=job.trace)
        seen.asked += seen.starts - before
        while (read := await _read(page, job, profile, seen, quiet, end)) is None:
            # The page went to another document while it was read: read that one instead.
            if navigate.hops(seen) > navigate.MAX_HOPS or loop.time() >= end:
                raise _kept_navigating(seen)
            await navigate.follow(page, seen, _load_bound(profile, end - loop.time()))
            await navigate.landed(page, seen)
            if detected:  # the profile for the document the page ended on
                profile = job.choose(await _document(page, seen, max_html, end))
                if profile.fetch != Fetch() and not job.options.recorders:
                    return profile
        if navigate.hops(seen) > navigate.MAX_HOPS:  # a chain that ended between two reads
            raise _kept_navigating(seen)
        html, frames, more = read
        warnings += more
        if job.session_file is not None:
            save_session(job.session_file, await context.storage_state())
        content = PageContent(
            url=job.url, final_url=page.url, fetched_at=fetched_at, html=html, frames=frames,
            warnings=tuple(w for w in (*seen.warnings, job.trace.ready.warning if job.trace.ready
                                       else None, *warnings) if w),
        )
        for recorder in job.options.recorders:
            recorder.chosen(profile)
            await recorder.collect(page, content)
    except Exception as exc:
        failure = exc
        if seen.too_large is not None:  # the document was refused for its size: say that
            failure = navigate.too_large(seen.too_large, max_html, "bytes")
            raise failure from None
        raise
    finally:
        await _teardown(context, job.options.recorders, failure)
    return content, profile


async def _teardown(context: BrowserContext, recorders: Sequence[Recorder],
                    failure: Exception | None) -> None:
    """Close the context, then let the recorders finish (also after a failure: they release what
    they hold). The job's deadline passing meanwhile (a close that takes longer than STEP_MARGIN
    on a busy machine, a navigation hung in it) cuts the teardown short no more than it hides the
    failure the render found in time: the session waits SCRAPER_TEARDOWN_GRACE for it."""
    async def close() -> None:
        await context.close()
        for recorder in recorders:
            await recorder.finish()

    closing = asyncio.ensure_future(close())
    try:
        await asyncio.shield(closing)
    except asyncio.CancelledError:
        await asyncio.wait((closing,))
        if not closing.cancelled() and closing.exception() is not None:
            logger.warning("closing a timed-out render failed: {}", closing.exception())
        if failure is None:
            raise
        raise failure from None


async def _read(page: Page, job: RenderJob, profile: Profile, seen: navigate.Observations,
                quiet: QuietWatch, end: float) -> tuple[str, dict[str, str], list[str]] | None:
    """The profile's ready wait, actions and read of the page's document: (HTML, frames, warnings);
    None when a navigation of the main frame started meanwhile (a script redirect after load, an
    interstitial): its next document is the page. Navigations the profile's actions make (a
    click that opens the next page) are theirs: the page they opened is read."""
    from playwright.async_api import Error as PlaywrightError

    loop = asyncio.get_running_loop()
    mark, done = seen.starts, len(job.trace.steps)
    loads = None
    try:
        # What is asked of the document is given up as soon as the page starts to leave it
        # (`navigate.unless_moved`): an evaluation sent while a navigation hangs never returns.
        lazy_images = "image" not in _blocked(job, profile)
        loads = await navigate.unless_moved(follow_to_bottom(page, profile.actions, lazy_images), seen, mark)
        warm = asyncio.ensure_future(warm_locators(page, profile.actions))
        # A page whose `load` never came (an image that keeps failing) is read as it stands: no
        # network idle will come either, and not being ready in time is then no failure.
        ready = profile.ready if seen.loaded else profile.ready.model_copy(
            update={"required": False, "network_idle": False})
        # A ready condition that never comes leaves the actions a share of the time (load more,
        # scroll): a capture of what has loaded is worth more than one cut short.
        item = profile.comments.item if profile.comments and not profile.comments.frame else None
        job.trace.ready = await navigate.unless_moved(
            steps.wait_ready(page, ready, READY_SHARE * (end - loop.time()), quiet, item), seen, mark)
        await navigate.unless_moved(_done(warm), seen, mark)
        warnings = await run_actions(page, profile.actions, end, loads, trace=job.trace)
        loads = None  # closed by run_actions
        if not seen.leaving:  # the actions' own navigations are done: their page is the page
            mark = seen.starts
        await navigate.landed(page, seen)
        html = await navigate.unless_moved(
            navigate.content(page, profile.max_html, _settle(end, loop)), seen, mark)
        await navigate.landed(page, seen)  # a navigation that failed while the DOM was read
        frames = await navigate.unless_moved(_frames(page, profile), seen, mark)
        if navigate.moved(seen, mark):
            raise navigate.Moved
    except (navigate.Moved, PlaywrightError):
        if loads is not None:
            loads.close()
        if not navigate.moved(seen, mark):
            raise
        del job.trace.steps[done:]  # what was done to the document that went away
        return None
    return html, frames, warnings


async def _document(page: Page, seen: navigate.Observations, max_html: int, end: float) -> str:
    """The HTML the page settled on, to choose its profile by: a navigation that starts while it
    is read is followed first (the read is given up: it would never return while that navigation
    hangs), within the bounds of the read loop."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            return await navigate.unless_moved(
                navigate.content(page, max_html, _settle(end, loop)), seen, seen.starts)
        except navigate.Moved:
            if navigate.hops(seen) > navigate.MAX_HOPS or loop.time() >= end:
                raise _kept_navigating(seen) from None
            await navigate.follow(page, seen, _load_bound(None, end - loop.time()))
            await navigate.landed(page, seen)


def _kept_navigating(seen: navigate.Observations) -> JobFailed:
    hops = navigate.hops(seen)
    return navigate.kept_navigating(f"{hops} navigation{'s' * (hops != 1)} after load")


async def _done(future: asyncio.Future[None]) -> None:
    await future


# How long a kept session's `logged_in` selector may take to appear after load.
LOGGED_IN_WAIT = 2.0


async def _steps_to_run(page: Page, job: RenderJob, fetch: Fetch) -> tuple[Action, ...]:
    """The watch's steps, unless a kept session is still logged in (its `logged_in` selector is on
    the page): a login is not repeated on every check."""
    if job.session_file is None:
        return job.before
    if fetch.logged_in:
        from playwright.async_api import Error as PlaywrightError

        try:
            await page.wait_for_selector(fetch.logged_in, state="attached", timeout=LOGGED_IN_WAIT * 1000)
        except PlaywrightError:
            job.trace.session = "renewed"
            return job.before
        job.trace.session = "kept"
        return ()
    job.trace.session = "renewed" if job.before else "kept"
    return job.before


def save_session(path: Path, state: Mapping[str, Any]) -> None:
    """The context's cookies and local storage, for the next check: mode 0600 in a 0700 folder
    (they are as good as a password), written whole or not at all."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(state, file)
    os.replace(partial, path)


async def _identity(browser: Browser, fetch: Fetch, user_agent: str | None) -> dict[str, Any] | None:
    """The browser's own user agent with client hints that do not say Headless (hints.py). A watch's
    own user agent keeps Playwright's hints, made from it."""
    hints = None if fetch.user_agent else await headful_hints(browser)
    if hints is None:
        return None
    identity: dict[str, Any] = {"userAgent": user_agent, "userAgentMetadata": hints}
    if fetch.locale:  # the override replaces Playwright's, which carried the locale
        identity["acceptLanguage"] = fetch.locale
    return identity


def _blocked(job: RenderJob, profile: Profile | None) -> Sequence[str]:
    if job.options.block is not None:
        return job.options.block
    return profile.block if profile else DEFAULT_BLOCK


def _load_bound(profile: Profile | None, remaining: float) -> float:
    """How long to wait for `load`: the profile's ready timeout (else a default), leaving a fifth
    of the time left for reading the page, so one that never loads is still read in time."""
    ready = profile.ready.timeout if profile else None
    return min(ready or navigate.LOAD_SECONDS, remaining * 0.8)


def _settle(end: float, loop: asyncio.AbstractEventLoop) -> float:
    return min(navigate.SETTLE_SECONDS, end - loop.time())


async def _frames(page: Page, profile: Profile) -> dict[str, str]:
    """The comment iframes' HTML: the profile's widget frame, or the frames that may hold a thread."""
    spec = profile.comments
    if spec is None:
        return {}
    if spec.frame is not None:
        html = await steps.frame_html(page, spec.frame, profile.max_html)
        return {spec.frame: html} if html is not None else {}
    return await steps.frames_html(page, spec.frames, profile.max_html) if spec.frames else {}
