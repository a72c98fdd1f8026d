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

if TYPE_CHECKING:
    from scraper.extract.explain import FieldReport

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


def _report_table(reports: list[FieldReport]) -> Table:
    table = Table("field", "selector → matches", "value(s)", show_lines=False)
    for r in reports:
        status = Text("✔ " if r.ok else "✘ ", style="green" if r.ok else "red")
        name = status + Text(r.field)
        tried = Text("\n".join(f"{t.selector} → {t.matches}" for t in r.tried) or "(no selector)",
                     style="dim" if not r.tried else "")
        shown = Text("\n".join(v.replace("\n\n", " ¶ ")[:120] for v in r.values))
        if r.found_in:
            shown = Text(f"[{r.found_in}]\n", style="cyan") + shown
        table.add_row(name, tried, shown)
    return table


@profile_app.command("test")
def test_profile(
    url: str = typer.Argument(...),
    profile: str | None = typer.Option(None, "--profile", "-p"),
    as_json: bool = typer.Option(False, "--json"),
    deadline: float | None = typer.Option(None, "--deadline", min=1),
) -> None:
    """Render URL and show, field by field, what each selector matched and how many times."""
    from scraper.browser import BrowserSession
    from scraper.capture import render_url
    from scraper.extract.explain import explain
    from scraper.profiles import load_profiles
    from scraper.urls import check_url

    settings = load_settings()
    url = check_url(url)
    profiles = load_profiles(settings.profile_dirs)
    with BrowserSession(settings) as session:
        rendered = render_url(session, url, profiles=profiles, profile=profile, deadline=deadline)
    reports = explain(rendered.page, rendered.profile)
    if as_json:
        print_json({"url": url, "profile": rendered.profile.name,
                    "fields": [r.to_dict() for r in reports]})
        return

    out.print(Text(f"profile {rendered.profile.name} on {rendered.page.final_url}", style="bold"))
    out.print(_report_table(reports))
