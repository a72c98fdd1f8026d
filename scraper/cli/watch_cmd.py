"""`scraper watch add|import|edit|list|show|pause|resume|remove`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.text import Text

from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import confirm, json_option, wide_option, yes_option
from scraper.cli.output import err, out, print_json
from scraper.cli.watch_options import with_watch_options
from scraper.config.settings import load_settings

if TYPE_CHECKING:
    from scraper.service.summary import WatchSummary

# The database layer is imported inside the commands: `scraper capture` never pays for it.

watch_app = typer.Typer(help="Add, change, list and remove watched pages.", no_args_is_help=True)
app.add_typer(watch_app, name="watch")

REF = typer.Argument(..., metavar="ID", help="The watch's id or name.")
ALLOW_DUPLICATE = typer.Option(False, "--allow-duplicate",
                               help="Watch a page another watch already watches.")


def _print_watch(watch: WatchSummary, as_json: bool, note: str = "") -> None:
    from scraper.cli.watch_view import render_watch

    data = watch.dumped()
    if as_json:
        print_json(data)
        return
    out.print(render_watch(data))
    if note:
        err.print(Text(note, style="dim"))


@watch_app.command("add", epilog=examples(
    "scraper watch add https://example.org/post/ --every 15m --tag news",
    "scraper watch add https://example.org/post/ --cron '0 8 * * 1-5'",
    "scraper watch add https://forum.example/t/42 --profile ./forum.yaml",
    "scraper watch add https://example.org/ --notify-on comment_added",
    "scraper watch add https://example.org/ --header 'Accept-Language: fr'",
    "scraper watch add https://example.org/ --notify '${ENV:SLACK_URL}'",
))
@with_watch_options
def add(
    url: str = typer.Argument(..., metavar="URL", help="The page to watch (http or https)."),
    allow_duplicate: bool = ALLOW_DUPLICATE,
    as_json: bool = json_option("the new watch"),
    options: dict[str, Any] | None = None,
) -> None:
    """Watch a page: it is checked on its schedule (`scraper run`) or by hand (`scraper check`)."""
    from scraper.service import watches
    from scraper.store import open_db

    settings = load_settings()
    fields = watches.checked(url, options or {}, settings)  # before the database is opened (or created)
    watch = watches.add(open_db(settings), settings, url, options or {},
                        allow_duplicate=allow_duplicate, fields=fields)
    _print_watch(watch, as_json)


@watch_app.command("import", epilog=examples(
    "scraper watch import urls.txt --every 1h --tag news",
    "scraper watch import urls.txt --email desk@example.org --alert-on 'cease-?fire'",
    "grep -v '^#' urls.txt | scraper watch import - --every 1d",
))
@with_watch_options
def import_(
    path: str = typer.Argument(..., metavar="FILE",
                               help="One URL a line; # starts a comment; - reads stdin."),
    allow_duplicate: bool = ALLOW_DUPLICATE,
    as_json: bool = json_option("the watches added and the URLs skipped"),
    options: dict[str, Any] | None = None,
) -> None:
    """Watch every URL of a list, each with the same options as `watch add` gives. All are checked
    before any is added; a page already watched is skipped, so importing twice adds nothing."""
    import sys
    from pathlib import Path

    from scraper.base.errors import InputError
    from scraper.service import watches
    from scraper.store import open_db

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})",
                         where=path) from None
    urls = [(f"{path}:{number}", line.strip()) for number, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.strip().startswith("#")]
    settings = load_settings()
    done = watches.import_urls(open_db(settings), settings, urls, options or {},
                               allow_duplicate=allow_duplicate)
    if as_json:
        print_json(done.dumped())
        return
    for w in done.added:
        out.print(Text(f"added {w.id} ({safe(w.name)}) {safe(w.url)}"), soft_wrap=True)
    for skipped in done.skipped:
        err.print(Text("skipped " + safe(skipped), style="dim"), soft_wrap=True)
    err.print(Text(f"{len(done.added)} added, {len(done.skipped)} skipped"))


@watch_app.command("edit", epilog=examples(
    "scraper watch edit lavrov --every 1h",
    "scraper watch edit 3 --profile wordpress --tag news --tag syria",
    "scraper watch edit 3 --clear tags --clear email",
    "scraper watch edit 3 --notify 'ntfy://ntfy.sh/${ENV:NTFY_TOPIC}'",
))
@with_watch_options
def edit(
    ref: str = REF,
    url: str | None = typer.Option(None, "--url", metavar="URL",
                                   help="Watch another address (a new baseline starts)."),
    clear: list[str] = typer.Option([], "--clear", metavar="OPTION",
                                    help="Reset this option to its default, e.g. tags (repeatable)."),
    allow_duplicate: bool = ALLOW_DUPLICATE,
    as_json: bool = json_option("the changed watch"),
    options: dict[str, Any] | None = None,
) -> None:
    """Change a watch: any option of `watch add`. Its history stays; a new URL or profile starts
    a new baseline."""
    from scraper.service import watches
    from scraper.store import open_db

    settings = load_settings()
    edited = watches.edit(open_db(settings, missing=f"no watch {ref!r}"), settings, ref, options or {},
                          url=url, clear=clear, allow_duplicate=allow_duplicate)
    baseline = " (a new baseline starts)" if edited.new_baseline else ""
    note = f"changed: {', '.join(edited.changed)}{baseline}" if edited.changed else "nothing changed"
    _print_watch(edited.watch, as_json, note)


@watch_app.command("list", epilog=examples("scraper watch list", "scraper watch list --tag news --json"))
def list_(
    tags: list[str] = typer.Option([], "--tag", metavar="TAG",
                                   help="Only the watches with this tag (repeatable: any of them)."),
    wide: bool = wide_option(),
    as_json: bool = json_option("the watches"),
) -> None:
    """List the watches: schedule, last check and its status, last change, next run."""
    from scraper.cli.fit import print_fitted
    from scraper.cli.watch_view import render_list
    from scraper.service import watches
    from scraper.store import open_db

    settings = load_settings()
    rows = watches.list_all(open_db(settings, read_only=True), settings, tags=tags).dumped()
    if as_json:
        print_json(rows)
    elif rows:
        print_fitted(render_list(rows, out.width, wide=wide), wide=wide)
    else:
        err.print("no watches" + (f" tagged {', '.join(tags)}" if tags else "")
                  + "; add one with `scraper watch add URL`")


@watch_app.command("show", epilog=examples("scraper watch show lavrov", "scraper watch show 3 --json"))
def show(ref: str = REF, as_json: bool = json_option("the watch")) -> None:
    """Show one watch: every setting, the profile file it reads, its last check and next run."""
    from scraper.service import watches
    from scraper.store import open_db

    settings = load_settings()
    _print_watch(watches.show(open_db(settings, missing=f"no watch {ref!r}"), settings, ref), as_json)


def _set_paused(ref: str, paused: bool, as_json: bool) -> None:
    """Pause or resume, then print the watch."""
    from scraper.service import watches
    from scraper.store import open_db

    settings = load_settings()
    engine = open_db(settings, missing=f"no watch {ref!r}")
    _print_watch(watches.set_paused(engine, settings, ref, paused), as_json)


@watch_app.command("pause", epilog=examples("scraper watch pause lavrov"))
def pause(ref: str = REF, as_json: bool = json_option("the watch")) -> None:
    """Stop checking a watch on its schedule (history is kept)."""
    _set_paused(ref, True, as_json)


@watch_app.command("resume", epilog=examples("scraper watch resume lavrov"))
def resume(ref: str = REF, as_json: bool = json_option("the watch")) -> None:
    """Check a paused watch on its schedule again."""
    _set_paused(ref, False, as_json)


@watch_app.command("remove", epilog=examples("scraper watch remove lavrov",
                                             "scraper watch remove 3 --yes   # in scripts"))
def remove(ref: str = REF, yes: bool = yes_option("removing it"),
           as_json: bool = json_option("what was removed")) -> None:
    """Remove a watch with all its checks and changes (asks first on a terminal)."""
    from scraper.service import watches
    from scraper.store import open_db

    engine = open_db(load_settings(), missing=f"no watch {ref!r}")
    what = watches.removal(engine, ref)
    confirm(f"remove watch {what.removed} ({what.name}) with its {what.checks} checks and "
            f"{what.changes} changes?", yes=yes, refused="not removed")
    gone = watches.remove(engine, str(what.removed))
    if as_json:
        print_json(gone.dumped())
    else:
        out.print(Text(f"removed watch {gone.removed} ({safe(gone.name)}) with {gone.checks} "
                       f"checks and {gone.changes} changes"))


@watch_app.command("rebase", epilog=examples("scraper watch rebase lavrov"))
def rebase(ref: str = REF, as_json: bool = json_option("the watch and its new base")) -> None:
    """Accept the page as its last check saw it as the new baseline: the next check compares with it
    (e.g. after a thread was really emptied, which is otherwise kept as a profile_mismatch)."""
    from scraper.service import watches
    from scraper.store import open_db

    settings = load_settings()
    done = watches.rebase(open_db(settings, missing=f"no watch {ref!r}"), settings, ref)
    if as_json:
        print_json(done.dumped())
    else:
        out.print(Text(f"watch {done.watch.id} ({safe(done.watch.name)}): check {done.base_check_id} "
                       f"({done.base_status}) is the new baseline"))
