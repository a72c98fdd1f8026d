"""`scraper profile list|test|check`: see the profiles, and which selector is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table
from rich.text import Text

from scraper.cli.app import app
from scraper.cli.output import out, print_json
from scraper.settings import load_settings
from scraper.terminal import safe

if TYPE_CHECKING:
    from scraper.extract.explain import FieldReport
    from scraper.extract.page import PageContent
    from scraper.profiles.schema import Profile

profile_app = typer.Typer(help="List, test and check site profiles.", no_args_is_help=True)
app.add_typer(profile_app, name="profile")


@profile_app.command("list")
def list_profiles(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the profiles, highest priority first."""
    from scraper.profiles import load_profiles

    settings = load_settings()
    profiles = sorted(load_profiles(settings.profile_dirs).values(), key=lambda p: (-p.priority, p.name))
    rows = [{"name": p.name, "priority": p.priority, "extends": p.extends,
             "urls": list(p.match.urls), "detect": p.match.detect, "description": p.description}
            for p in profiles]
    if as_json:
        print_json(rows)
        return
    table = Table("name", "priority", "matches", "description")
    for p in profiles:
        matches = "\n".join([*p.match.urls, *([f"detect: {p.match.detect}"] if p.match.detect else [])])
        table.add_row(Text(p.name), str(p.priority), Text(matches), Text(p.description))
    out.print(table)
    out.print(f"[dim]from {', '.join(str(d) for d in settings.profile_dirs)}[/]")


@profile_app.command("check")
def check_profile(path: Path = typer.Argument(..., help="A profile YAML file.")) -> None:
    """Validate a profile file (errors name the file, line and field; exit 2)."""
    from scraper.profiles import load_profile_file

    profile = load_profile_file(path, load_settings().profile_dirs)
    out.print(Text(f"{path}: ok (profile {profile.name})"))


def _short(selector: str, limit: int = 70) -> str:
    flat = " ".join(selector.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _tried(report: FieldReport) -> Text:
    """The alternatives up to the one that matched (the rest were never needed), with counts."""
    if not report.tried:
        return Text("(no selector)", style="dim")
    upto = next((i for i, t in enumerate(report.tried) if t.selector == report.used), None)
    shown = report.tried if upto is None else report.tried[: upto + 1]
    text = Text()
    for t in shown:
        style = "green" if t.selector == report.used else "dim"
        text.append(f"{t.matches:>3} × {_short(t.selector)}\n", style=style)
    if len(shown) < len(report.tried):
        text.append(f"      (+{len(report.tried) - len(shown)} more alternatives not needed)", style="dim")
    text.rstrip()
    return text


def _report_table(reports: list[FieldReport]) -> Table:
    table = Table("field", "matches × selector (first that yields wins)", "value(s)")
    for r in reports:
        status = Text("✔ " if r.ok else "✘ ", style="green" if r.ok else "red")
        shown = Text("\n".join(safe(v.replace("\n\n", " ¶ ")[:120]) for v in r.values))
        if r.found_in:
            shown = Text(f"[{r.found_in}]\n", style="cyan") + shown
        table.add_row(status + Text(r.field), _tried(r), shown)
    return table


@profile_app.command("test")
def test_profile(
    url: str = typer.Argument(...),
    profile: str | None = typer.Option(None, "--profile", "-p"),
    as_json: bool = typer.Option(False, "--json"),
    deadline: float | None = typer.Option(None, "--deadline", help="Seconds, up to 600."),
) -> None:
    """Render URL and show, field by field, what each selector matched and how many times."""
    from scraper.browser import BrowserSession
    from scraper.capture import render_url
    from scraper.profiles import load_profiles
    from scraper.settings import check_deadline
    from scraper.urls import check_url

    settings = load_settings()
    url = check_url(url)
    if deadline is not None:
        check_deadline(deadline, f"--deadline {deadline:g}")
    profiles = load_profiles(settings.profile_dirs)
    with BrowserSession(settings) as session:
        rendered = render_url(session, url, profiles=profiles, profile=profile, deadline=deadline)
    show_test(rendered.page, rendered.profile, as_json=as_json)


SOURCES = {"structured": "the page's structured data", "fallback": "main-content extraction",
           "detected": "structure detection"}


def show_test(page: PageContent, profile: Profile, *, as_json: bool) -> None:
    """The `profile test` view of a rendered page: each field's selectors, then what the record
    took from elsewhere (structured data, main content, detection) and its warnings."""
    from scraper.extract import extract
    from scraper.extract.explain import explain

    reports = explain(page, profile)
    record = extract(page, profile)
    if as_json:
        print_json({"url": page.url, "profile": profile.name, "fields": [r.to_dict() for r in reports],
                    "sources": record.sources, "warnings": record.warnings,
                    "comments": len(record.comments)})
        return
    out.print(Text(f"profile {profile.name} on {page.final_url}", style="bold"))
    out.print(_report_table(reports))
    for field, source in record.sources.items():
        if source != "profile":
            out.print(Text(f"{field}: from {SOURCES[source]}, not the profile's selectors", style="cyan"))
    out.print(Text(f"{len(record.comments)} comments in the record", style="bold"))
    for warning in record.warnings:
        out.print(Text("partial: ", style="bold yellow") + Text(safe(warning)))
