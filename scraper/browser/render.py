"""Render one URL: open a fresh context, navigate, pick the profile, wait, act, read the DOM."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scraper.browser import steps
from scraper.browser.context import open_context
from scraper.browser.neterrors import in_words
from scraper.browser.recorder import Recorder
from scraper.browser.trace import Trace
from scraper.errors import JobFailed
from scraper.extract.page import PageContent
from scraper.fetch import Fetch
from scraper.profiles.schema import Action, Profile

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

# Given the HTML after load, the profile to use (for pages no URL pattern or --profile decided).
Chooser = Callable[[str], Profile]
# What is blocked before a profile is known: media and fonts never carry the record.
DEFAULT_BLOCK = ("media", "font")
# Seconds kept back from the deadline for reporting a failed wait and closing the context.
STEP_MARGIN = 1.0


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
    fetch: Fetch = field(default_factory=Fetch)  # the watch's own fetch settings: over the profile's
    defaults: Fetch = field(default_factory=Fetch)  # SCRAPER_PROXY: under the profile's
    before: tuple[Action, ...] = ()  # the watch's own steps: right after load, before ready
    trace: Trace = field(default_factory=Trace)  # filled as the render goes


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def effective_fetch(job: RenderJob, profile: Profile | None) -> Fetch:
    """The watch's settings over the profile's over the defaults."""
    base = profile.fetch.over(job.defaults) if profile else job.defaults
    return job.fetch.over(base)


async def render(browser: Browser, job: RenderJob) -> tuple[PageContent, Profile]:
    loop = asyncio.get_running_loop()
    # The waits end a little before the job's hard deadline (BrowserSession.run), so a ready
    # condition that never comes is reported by name and the context still has time to close.
    end = loop.time() + job.deadline - min(STEP_MARGIN, job.deadline / 10)
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
    extra = {"ignore_https_errors": True} if job.options.ignore_https_errors else {}
    for recorder in job.options.recorders:
        extra.update(recorder.context_options())
    context, job.trace.user_agent = await open_context(browser, fetch, job.url, extra)
    try:
        context.set_default_timeout(job.deadline * 1000)
        page = await context.new_page()
        steps.guard(context, page)
        await steps.block(context, page, _blocked(job, profile))
        for recorder in job.options.recorders:
            await recorder.attach(context, page)
        fetched_at = utc_now()
        await _navigate(page, job.url)
        if profile is None:
            profile = job.choose(await page.content())
            if profile.fetch != Fetch() and not job.options.recorders:
                return profile
        await steps.run_actions(page, job.before, "watch", job.trace, end)
        job.trace.ready = await steps.wait_ready(page, profile.ready, end - loop.time())
        await steps.run_actions(page, profile.actions, "profile", job.trace, end)
        await page.wait_for_load_state("load")  # a step may have opened another page
        frames = await _frames(page, profile)
        content = PageContent(
            url=job.url, final_url=page.url, fetched_at=fetched_at,
            html=await page.content(), frames=frames,
        )
        for recorder in job.options.recorders:
            await recorder.collect(page, content)
    finally:
        await context.close()
        for recorder in job.options.recorders:
            await recorder.finish()  # also after a failure: recorders release what they hold
    return content, profile


def _blocked(job: RenderJob, profile: Profile | None) -> Sequence[str]:
    if job.options.block is not None:
        return job.options.block
    return profile.block if profile else DEFAULT_BLOCK


async def _frames(page: Page, profile: Profile) -> dict[str, str]:
    frame = profile.comments.frame if profile.comments else None
    html = await steps.frame_html(page, frame) if frame else None
    return {frame: html} if frame and html is not None else {}


async def _navigate(page: Page, url: str) -> None:
    from playwright.async_api import Error as PlaywrightError

    try:
        response = await page.goto(url, wait_until="load")
    except PlaywrightError as exc:
        raise JobFailed(in_words(exc.message, url), where=url) from None
    if response is not None and response.status >= 400:
        raise JobFailed(f"cannot load {url}: the server answered HTTP {response.status} "
                        f"{response.status_text}".rstrip(), where=url)
