"""`scraper outbox [retry]` and `scraper report preview`: the reports queued, sent and failed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import json_option
from scraper.cli.output import err, out, output_target, print_json, write_atomic
from scraper.config.settings import load_settings

if TYPE_CHECKING:
    from scraper.service.outbox import OutboxRow

outbox_app = typer.Typer(help="Change reports: queued, sent and failed.", invoke_without_command=True,
                         epilog=examples("scraper outbox", "scraper outbox -n 10 --json",
                                         "scraper outbox retry 3"))
app.add_typer(outbox_app, name="outbox")
report_app = typer.Typer(help="Change reports: look before they are sent.", no_args_is_help=True)
app.add_typer(report_app, name="report")

STATUS_STYLE = {"sent": "green", "failed": "red", "queued": "yellow", "waiting": "cyan"}


@outbox_app.callback()
def outbox(
    ctx: typer.Context,
    limit: int = typer.Option(50, "--limit", "-n", min=1, metavar="N", help="Show the newest N."),
    as_json: bool = json_option("the reports"),
) -> None:
    """List the reports: queued, waiting for a digest, sent, failed (with their last error)."""
    if ctx.invoked_subcommand is not None:
        return
    from scraper.service.outbox import listing
    from scraper.store import open_db
    listed = list(reversed(listing(open_db(load_settings(), read_only=True), limit=limit).items))
    if as_json:
        print_json([r.model_dump() for r in listed])
        return
    if not listed:
        out.print(Text("the outbox is empty", style="dim"))
        return
    for r in listed:
        out.print(_row_view(r))


def _row_view(r: OutboxRow) -> Text:
    """#3 failed · queued 2h ago → desk@example.org · 2 attempts, then the subject and the last
    error: a block per report reads better than a table squeezed into 80 columns."""
    from scraper.cli.watch_view import relative

    def rel(stamp: str | None) -> str:
        return relative(stamp) if stamp else "-"

    when = {"sent": f"sent {rel(r.sent_at)}", "queued": f"next try {rel(r.due_at)}",
            "waiting": f"digest {rel(r.due_at)}"}.get(r.status, f"queued {rel(r.created_at)}")
    view = Text(f"#{r.id} ", style="bold")
    view.append(r.status, style=STATUS_STYLE.get(r.status, ""))
    view.append(f" · {when} → ")
    view.append(safe(r.to))
    view.append(f" · {r.attempts} attempt{'s' if r.attempts != 1 else ''}\n", style="dim")
    view.append("    " + safe(r.subject))
    if r.last_error:
        view.append("\n    last error: " + safe(r.last_error), style="red")
    return view


@outbox_app.command("retry", epilog=examples(
    "scraper outbox retry       # every failed and queued report",
    "scraper outbox retry 3     # after fixing what report 3's last error names",
))
def retry(
    row_id: int | None = typer.Argument(None, metavar="[ID]", help="One report (default: every one)."),
    as_json: bool = json_option("each report's outcome"),
) -> None:
    """Send failed and queued reports now (a failed one is tried again from the start)."""
    from scraper.base.errors import NotFound
    from scraper.service.outbox import retry as retry_now
    from scraper.store import open_db

    settings = load_settings()
    try:
        missing = None if row_id is None else f"no report {row_id}"
        outcomes = retry_now(open_db(settings, missing=missing), settings, row_id)
    except NotFound as exc:  # the command line says where to look
        raise NotFound(f"{exc} (see `scraper outbox`)", where=exc.where) from None
    if as_json:
        print_json([o.model_dump() for o in outcomes])
        return
    if not outcomes:
        out.print(Text("nothing to send", style="dim"))
    for o in outcomes:
        line = Text(f"report {o.id} to ")
        line.append(safe(o.to))
        line.append(f": {o.status}", style=STATUS_STYLE.get(o.status, ""))
        if o.error:
            line.append(" · " + safe(o.error), style="red")
        out.print(line)


@report_app.command("preview", epilog=examples(
    "scraper report preview lavrov",
    "scraper report preview lavrov --html report.html",
    "scraper report preview 3 --check 42 --text",
))
def preview(
    ref: str = typer.Argument(..., metavar="ID", help="The watch's id or name."),
    check_id: int | None = typer.Option(None, "--check", metavar="CHECK",
                                        help="Check id (default: the latest with changes)."),
    html: Path | None = typer.Option(None, "--html", metavar="FILE",
                                     help="Write the HTML part to this file."),
    text: bool = typer.Option(False, "--text", help="Print only the plain-text part."),
) -> None:
    """Show the report a check sends, without sending it."""
    from scraper.service.outbox import preview as preview_report
    from scraper.store import open_db

    settings = load_settings()
    if html is not None:
        html = output_target(html, "--html") or html  # before anything is read
    rendered = preview_report(open_db(settings, missing=f"no watch {ref!r}"), settings, ref, check_id)
    if html is not None:
        write_atomic(html, rendered.html, "--html")
        err.print(Text(f"wrote the HTML part to {html}"))
    if text:
        print(rendered.text, end="")  # already made safe by the templates' filters
    elif html is None:
        out.print(Text("Subject: " + rendered.subject, style="bold"))
        out.print(Text("\n" + rendered.text))
