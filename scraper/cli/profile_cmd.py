"""`scraper profile list|test|check`: see the profiles, and which selector is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table
from rich.text import Text

from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import json_option
from scraper.cli.output import out, print_json
from scraper.config.settings import load_settings

if TYPE_CHECKING:
    from scraper.browser.trace import Trace
    from scraper.model.page import PageContent
    from scraper.profiles.schema import Profile
    from scraper.service.profiles import ProfileTest

profile_app = typer.Typer(help="List, test and check site profiles.", no_args_is_help=True)
app.add_typer(profile_app, name="profile")


@profile_app.command("list", epilog=examples(
    "scraper profile list",
    "SCRAPER_PROFILES=~/profiles scraper profile list   # yours beside the built-in ones",
))
def list_profiles(as_json: bool = json_option("the profiles")) -> None:
    """List the profiles, highest priority first, and the file each comes from."""
    from scraper.service.profiles import profiles

    settings = load_settings()
    rows = profiles(settings)
    if as_json:
        print_json([row.model_dump() for row in rows])
        return
    table = Table("name", "priority", "matches", "description", "from")
    for row in rows:
        matches = "\n".join([*row.urls, *([f"detect: {row.detect}"] if row.detect else [])])
        table.add_row(Text(row.name), str(row.priority), Text(matches), Text(row.description),
                      Text("built-in" if row.builtin else row.file, overflow="fold"))
    out.print(table)
    out.print(Text(f"folders: {', '.join(str(d) for d in settings.profile_dirs)}", style="dim"))


@profile_app.command("check", epilog=examples("scraper profile check ~/profiles/myblog.yaml"))
def check_profile(
    path: Path = typer.Argument(..., metavar="FILE", help="A profile YAML file."),
    as_json: bool = json_option("the result"),
) -> None:
    """Validate a profile file (it may `extends:` any known profile); errors name the file, line
    and field (exit 2)."""
    from scraper.profiles import load_profile_file

    profile = load_profile_file(path, load_settings().profile_dirs)
    if as_json:
        print_json({"file": str(path), "profile": profile.name, "ok": True})
    else:
        out.print(Text(f"{path}: ok (profile {profile.name})"))


@profile_app.command("test", epilog=examples(
    "scraper profile test https://example.org/post/",
    "scraper profile test https://example.org/post/ --profile ./myblog.yaml",
    "scraper profile test https://example.org/post/ --profile wordpress --json",
))
def test_profile(
    url: str = typer.Argument(..., metavar="URL", help="The page to test the profile on."),
    profile: str | None = typer.Option(None, "--profile", "-p", metavar="NAME|FILE",
                                       help="Profile name or profile file (default: detect)."),
    as_json: bool = json_option("the load and the fields"),
    deadline: float | None = typer.Option(None, "--deadline", metavar="SECONDS",
                                          help="Give up after this long, up to 600 (default 45)."),
) -> None:
    """Render URL and show how it loaded (the ready wait, each step) and, field by field, what
    each selector matched and how many times."""
    from scraper.base.errors import JobFailed
    from scraper.base.urls import check_url
    from scraper.browser import BrowserSession
    from scraper.browser.trace import Trace
    from scraper.cli.profile_view import render_trace
    from scraper.config.settings import check_deadline
    from scraper.service.profiles import profile_test

    settings = load_settings()
    check_url(url)  # bad input is refused before a browser is started
    if deadline is not None:
        check_deadline(deadline, f"--deadline {deadline:g}")
    trace = Trace()
    try:
        with BrowserSession(settings) as session:
            tested = profile_test(session, url, profile, deadline, trace=trace)
    except JobFailed:
        if not as_json:  # what ran before the failure says where to look
            out.print(render_trace(trace))
        raise
    show_tested(tested, as_json=as_json, trace=trace)


def show_test(page: PageContent, profile: Profile, *, as_json: bool,
              trace: Trace | None = None) -> None:
    """The `profile test` view of a rendered page: how it loaded (the ready wait, each step), each
    field's selectors, then what the record took from elsewhere (structured data, main content,
    detection) and its warnings."""
    from scraper.service.profiles import explain_page

    show_tested(explain_page(page, profile, trace), as_json=as_json, trace=trace)


def show_tested(tested: ProfileTest, *, as_json: bool, trace: Trace | None = None) -> None:
    from scraper.cli.profile_view import render_trace, report_table
    from scraper.service.profiles import SOURCES

    if as_json:
        print_json(tested.model_dump())
        return
    out.print(Text(f"profile {tested.profile} on {tested.final_url}", style="bold"))
    if trace is not None:
        out.print(render_trace(trace))
    out.print(report_table(tested.fields))
    for field, source in tested.sources.items():
        if source != "profile":
            out.print(Text(f"{field}: from {SOURCES[source]}, not the profile's selectors", style="cyan"))
    out.print(Text(f"{tested.comments} comments in the record", style="bold"))
    for warning in tested.warnings:
        out.print(Text("partial: ", style="bold yellow") + Text(safe(warning)))
