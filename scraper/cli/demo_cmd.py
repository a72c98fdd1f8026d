"""`scraper demo`: the main job end to end on the bundled demo blog."""

from __future__ import annotations

from pathlib import Path

from rich.rule import Rule
from rich.text import Text

from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import json_option
from scraper.cli.output import out, print_json
from scraper.config.settings import load_settings


@app.command("demo", epilog=examples(
    "scraper demo",
    "scraper demo --json",
    "python -m scraper.demo serve --port 8799   # the demo site alone, to try commands on",
))
def demo(
    as_json: bool = json_option("the record, the baseline check, the check after and the email file"),
) -> None:
    """Capture the bundled demo blog, watch it, add and edit a comment, and report the changes."""
    from scraper.cli.check_cmd import render_result
    from scraper.cli.record_view import render_record
    from scraper.demo.tour import run_tour

    tour = run_tour(load_settings())
    if as_json:
        print_json({"record": tour.record.to_dict(), "baseline": tour.baseline.to_dict(),
                    "check": tour.after.to_dict(), "email": str(tour.email) if tour.email else None})
        return
    out.print(Rule("1. capture: the page as Chromium drew it, through the wordpress profile"))
    out.print(render_record(tour.record))
    out.print(Rule("2. watch it: the first check is the baseline"))
    out.print(render_result(tour.baseline))
    out.print(Rule("3. the site changes (a new comment, an edited one); check again"))
    out.print(render_result(tour.after))
    if tour.email is not None:
        out.print(Rule("4. the change report, as an email (no SMTP server configured: an .eml file)"))
        out.print(_email_view(tour.email))
    out.print(Text(f"\nThe demo's database is {tour.home / 'scraper.db'}; look around with\n"
                   f"  SCRAPER_HOME={tour.home} scraper history demo\n"
                   f"  SCRAPER_HOME={tour.home} scraper diff demo\n"
                   f"  SCRAPER_HOME={tour.home} scraper outbox\n"
                   f"  SCRAPER_HOME={tour.home} scraper report preview demo --html report.html",
                   style="dim"))


def _email_view(path: Path) -> Text:
    """The file's name, its main headers and its plain-text part."""
    from email import message_from_bytes, policy
    from email.message import EmailMessage

    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    view = Text(f"{path}\n\n", style="dim")
    for header in ("From", "To", "Subject"):
        view.append(f"{header}: ", style="bold")
        view.append(safe(str(message[header])) + "\n")
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    view.append("\n" + safe(text.replace("\r\n", "\n")))  # the file has CRLF line ends, as mail does
    return view
