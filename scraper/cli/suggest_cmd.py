"""`scraper profile suggest URL`: render a page, write a draft profile for it, and show `profile test`
with the draft, so a person starts from selectors that already work on the page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import typer
import yaml
from rich.text import Text

from scraper.base.errors import InputError
from scraper.cli.app import examples
from scraper.cli.output import err, out, output_target, write_atomic
from scraper.cli.profile_cmd import profile_app, show_test
from scraper.config.settings import check_deadline, load_settings

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _name(url: str, output: Path | None) -> str:
    if output is None:
        host = urlsplit(url).hostname or "site"
        return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "site"
    if output.exists() and output.is_dir():
        raise InputError(f"--output {output}: is a folder; give a file such as {output}/mysite.yaml")
    if output.suffix not in (".yaml", ".yml") or not _NAME.match(output.stem):
        raise InputError(f"--output {output}: a profile file is NAME.yaml, NAME in lower-case letters, "
                         "digits, '.', '_' or '-' (the file name is the profile's name)")
    output_target(output)  # the rule of every file the CLI writes, checked before the browser
    return output.stem


def _short_form(data: Any) -> Any:
    """`{select: X}` written as plain `X`, as a person would write it."""
    if isinstance(data, dict):
        if set(data) == {"select"}:
            return data["select"]
        return {k: _short_form(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_short_form(v) for v in data]
    return data


@profile_app.command("suggest", epilog=examples(
    "scraper profile suggest https://example.org/post/",
    "scraper profile suggest https://example.org/post/ -o selectors/myblog.yaml",
))
def suggest_profile(
    url: str = typer.Argument(..., metavar="URL", help="The page to draft a profile for."),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE",
                                       help="Write the draft here (NAME.yaml)."),
    deadline: float | None = typer.Option(None, "--deadline", metavar="SECONDS",
                                          help="Seconds per render, up to 600 (default 45)."),
) -> None:
    """Render URL, infer a draft profile (title, author, date, body, comments, "load more"), check
    each selector on the page, and show `profile test` with the draft."""
    from scraper.base.urls import check_url
    from scraper.browser import BrowserSession, RenderJob
    from scraper.browser.render import render
    from scraper.extract import PageContent, extract
    from scraper.profiles import Profile, load_profiles, matching
    from scraper.suggest import suggest

    settings = load_settings()
    url = check_url(url)
    if deadline is not None:
        check_deadline(deadline, f"--deadline {deadline:g}")
    name = _name(url, output)
    profiles = load_profiles(settings.profile_dirs)
    # The page as it stands before any action, so a "load more" control is still there to name.
    probe = matching.fallback(profiles).model_copy(update={"actions": ()})
    limit = deadline or settings.deadline
    host = urlsplit(url).netloc

    def rendered(session: BrowserSession, profile: Profile) -> PageContent:
        job = RenderJob(url, profile, lambda _: profile, limit)
        page, _ = session.run(lambda browser: render(browser, job), limit)
        return page

    with BrowserSession(settings) as session:
        draft = suggest(rendered(session, probe), name, f"*://{host}/*")
        profile = Profile.model_validate(draft.profile)  # checked again by `profile check`
        checked = rendered(session, profile)
    text = yaml.safe_dump(_short_form(draft.profile), sort_keys=False, allow_unicode=True, width=200)
    header = f"# Draft profile for {url}, made by `scraper profile suggest`: check it, then edit.\n"
    if output is not None:
        write_atomic(output, header + text)
        err.print(Text(f"wrote {output}"))
    else:
        out.out(header + text, highlight=False)
    for note in draft.notes:
        err.print(Text(f"note: {note}", style="yellow"))
    show_test(checked, profile, as_json=False)
    with_profile = extract(checked, profile).comments
    detected = extract(checked, profile.model_copy(update={"comments": None})).comments
    same = with_profile == detected
    out.print(Text(
        f"{'✔' if same else '✘'} the draft's comment selectors give {len(with_profile)} comments; "
        f"the fallback chain finds {len(detected)}{'' if same else ', not the same'}",
        style="green" if same else "red"))
