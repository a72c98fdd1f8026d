"""`scraper notify test`: send a sample report now and say what happened."""

from __future__ import annotations

import typer
from rich.text import Text

from scraper.base.errors import JobFailed
from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import json_option
from scraper.cli.output import out, print_json
from scraper.config.settings import load_settings

notify_app = typer.Typer(help="Change reports: try where they go.", no_args_is_help=True)
app.add_typer(notify_app, name="notify")


@notify_app.command("test", epilog=examples(
    "scraper notify test --email desk@example.org",
    "scraper notify test --notify https://hooks.example.org/scraper",
    "scraper notify test --notify @team-slack",
    "scraper notify test lavrov     # the watch's own recipients",
    "scraper notify test            # SCRAPER_MAIL_TO and SCRAPER_NOTIFY",
))
def notify_test(
    watch: str | None = typer.Argument(None, metavar="[WATCH]",
                                       help="Send to this watch's recipients and channels."),
    email: str | None = typer.Option(None, "--email", metavar="ADDR", help="Send to this address."),
    notify: str | None = typer.Option(None, "--notify", metavar="URL",
                                      help="Send to this channel URL or @name."),
    as_json: bool = json_option("each target's outcome"),
) -> None:
    """Send a sample report now, the way a check's report is sent (same templates, channels and
    settings), and say where it went (exit 1: a target did not take it). Nothing is stored."""
    from scraper.service.outbox import notify_test as send_test
    from scraper.store import open_db

    settings = load_settings()
    engine = open_db(settings, missing=f"watch {watch!r}") if watch else None
    outcomes = send_test(engine, settings, email=email, channel=notify, ref=watch)
    if as_json:
        print_json([o.model_dump() for o in outcomes])
    else:
        for o in outcomes:
            line = Text("✔ sent to " if o.sent else "✗ not sent to ",
                        style="green" if o.sent else "bold red")
            line.append(safe(o.to), style="bold")
            line.append(" through " + safe(o.route))
            if o.error:
                line.append("\n  " + safe(o.error), style="red")
            out.print(line, soft_wrap=True)
    failed = [o for o in outcomes if not o.sent]
    if failed:
        raise JobFailed(f"{len(failed)} of {len(outcomes)} target(s) did not take the test report")
