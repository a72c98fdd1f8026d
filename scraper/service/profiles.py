"""Profiles: the list (`scraper profile list`, the dashboard, the API) and the profile test (which
selector matched what on a rendered page)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from scraper.config.settings import BUILTIN_PROFILES, Settings, check_deadline

if TYPE_CHECKING:
    from scraper.browser import BrowserSession
    from scraper.browser.trace import Trace
    from scraper.model.page import PageContent
    from scraper.profiles.schema import Profile

# Where a record's field came from when not from the profile's selectors (`Record.sources`).
SOURCES = {"structured": "the page's structured data", "fallback": "main-content extraction",
           "detected": "structure detection"}


class ProfileInfo(BaseModel):
    """A profile as `scraper profile list --json` shows it, with the file it comes from."""

    name: str
    priority: int
    extends: str | None
    urls: list[str]
    detect: str | None
    description: str
    file: str
    builtin: bool


class Tried(BaseModel):
    selector: str
    matches: int


class FieldResult(BaseModel):
    """One field's selectors in order with their match counts, the one used, and what it gave."""

    field: str
    tried: list[Tried]
    used: str | None
    values: list[str]
    found_in: str | None  # for comment fields: "n of m comments"
    ok: bool


class ReadyWait(BaseModel):
    condition: str
    met: bool
    seconds: float
    budget: float
    required: bool


class StepRun(BaseModel):
    index: int
    source: str
    kind: str
    target: str
    ok: bool
    outcome: str
    count: int
    seconds: float


class Load(BaseModel):
    """How the page loaded: the ready wait, each step, the totals."""

    ready: ReadyWait | None
    steps: list[StepRun]
    clicks: int
    scrolls: int
    user_agent: str | None


class ProfileTest(BaseModel):
    """Each field's selectors with their matches, and what the record took from elsewhere
    (`scraper profile test --json`)."""

    url: str
    profile: str
    load: Load | None
    fields: list[FieldResult]
    sources: dict[str, str]
    warnings: list[str]
    comments: int
    final_url: str = Field("", exclude=True)  # for a person: where the page ended up


def profiles(settings: Settings) -> list[ProfileInfo]:
    """The profiles, highest priority first, each with the file it comes from."""
    from scraper.profiles import load_profiles, profile_origins

    loaded = sorted(load_profiles(settings.profile_dirs).values(), key=lambda p: (-p.priority, p.name))
    origins = profile_origins(settings.profile_dirs)
    return [ProfileInfo(name=p.name, priority=p.priority, extends=p.extends, urls=list(p.match.urls),
                        detect=p.match.detect, description=p.description, file=str(origins[p.name]),
                        builtin=origins[p.name].parent.resolve() == BUILTIN_PROFILES.resolve())
            for p in loaded]


def explain_page(page: PageContent, profile: Profile, trace: Trace | None = None) -> ProfileTest:
    """What `profile` makes of a rendered page, field by field."""
    from scraper.extract import extract
    from scraper.extract.explain import explain

    record = extract(page, profile)
    data: dict[str, Any] = {
        "url": page.url, "profile": profile.name, "load": trace.to_dict() if trace else None,
        "fields": [r.to_dict() for r in explain(page, profile)], "sources": record.sources,
        "warnings": record.warnings, "comments": len(record.comments), "final_url": page.final_url}
    return ProfileTest.model_validate(data)


def profile_test(browser: BrowserSession, url: str, profile: str | None,
                 deadline: float | None = None, *, trace: Trace | None = None) -> ProfileTest:
    """Render `url` and explain it, as `scraper profile test` does; bad input (URL, profile,
    deadline) is refused before anything is rendered. `trace`: filled in as the page loads (what
    ran before a failure says where to look)."""
    from scraper.base.urls import check_url
    from scraper.pipeline.capture import render_url

    url = check_url(url)
    if deadline is not None:
        check_deadline(deadline, f"deadline {deadline:g}")
    rendered = render_url(browser, url, profile=profile, deadline=deadline, trace=trace)
    return explain_page(rendered.page, rendered.profile, trace)


class DraftCheck(BaseModel):
    """`scraper profile suggest`: the draft, what `profile test` makes of the page with it, and how
    its comments compare with what the fallback chain finds (the same words by the same people;
    ids and replies are what a profile adds)."""

    yaml: str
    notes: list[str]
    test: ProfileTest
    comments: int
    detected: int
    same: bool
    more_ids: int
    more_parents: int


def draft_profile(session: BrowserSession, url: str, name: str, deadline: float | None = None) -> DraftCheck:
    """Render `url` before any action (so a "load more" control is still there to name), draft a
    profile from it, render again with the draft, and check it."""
    from urllib.parse import urlsplit

    import yaml

    from scraper.base.urls import check_url
    from scraper.browser.render import RenderJob, render
    from scraper.extract import extract
    from scraper.profiles import Profile, load_profiles, matching
    from scraper.suggest import suggest
    from scraper.suggest.draft import short_form

    settings = session.settings
    url = check_url(url)
    if deadline is not None:
        check_deadline(deadline, f"deadline {deadline:g}")
    limit = deadline or settings.deadline
    probe = matching.fallback(load_profiles(settings.profile_dirs)).model_copy(update={"actions": ()})

    def rendered(profile: Profile) -> PageContent:
        job = RenderJob(url, profile, lambda _: profile, limit)
        page, _ = session.run(lambda browser: render(browser, job), limit)
        return page

    draft = suggest(rendered(probe), name, f"*://{urlsplit(url).netloc}/*")
    profile = Profile.model_validate(draft.profile)
    checked = rendered(profile)
    with_profile = extract(checked, profile).comments
    detected = extract(checked, profile.model_copy(update={"comments": None})).comments
    return DraftCheck(
        yaml=yaml.safe_dump(short_form(draft.profile), sort_keys=False, allow_unicode=True, width=200),
        notes=draft.notes, test=explain_page(checked, profile), comments=len(with_profile),
        detected=len(detected),
        same=sorted((c.author or "", c.text or "") for c in with_profile) == sorted(
            (c.author or "", c.text or "") for c in detected),
        more_ids=sum(1 for c in with_profile if c.id) - sum(1 for c in detected if c.id),
        more_parents=sum(1 for c in with_profile if c.parent_id) - sum(1 for c in detected if c.parent_id))
