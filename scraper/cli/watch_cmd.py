"""`scraper watch add|list|show|pause|resume|remove`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from scraper.cli.app import app
from scraper.cli.output import out, print_json
from scraper.settings import load_settings
from scraper.terminal import safe

# The database layer is imported inside the commands: `scraper capture` never pays for it.

watch_app = typer.Typer(help="Add, list and manage watched pages.", no_args_is_help=True)
app.add_typer(watch_app, name="watch")


def _normalise_pairs(rules: list[str]) -> list[tuple[str, str]]:
    # "REGEX" or "REGEX=>REPLACEMENT": `=>` rarely appears in a regex, unlike `=` or `:`.
    return [tuple(r.split("=>", 1)) if "=>" in r else (r, "") for r in rules]  # type: ignore[misc]


def _print_watch(data: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    table = Table(show_header=False, box=None)
    for key, value in data.items():
        table.add_row(Text(key, style="bold"), Text("" if value is None else safe(str(value))))
    out.print(table)


@watch_app.command("add")
def add(
    url: str = typer.Argument(..., help="The page to watch (http or https)."),
    profile: str | None = typer.Option(None, "--profile", "-p", help="Profile name (default: detect)."),
    every: str | None = typer.Option(None, "--every", help="Interval: 30s, 15m, 2h, 1d."),
    cron: str | None = typer.Option(None, "--cron", help='Cron expression, e.g. "0 * * * *" (UTC).'),
    name: str | None = typer.Option(None, "--name", help="A unique name (default: from the URL)."),
    email: str | None = typer.Option(None, "--email", help="Where change reports go."),
    digest: str | None = typer.Option(None, "--digest",
                                      help="Send reports as a digest: hourly, daily or a cron expression."),
    notify: list[str] = typer.Option([], "--notify", help="Also report to this Apprise or webhook URL."),
    notify_on: list[str] = typer.Option([], "--notify-on", help="Report only these change kinds."),
    ignore: list[str] = typer.Option([], "--ignore", help="A selector to drop before extraction."),
    normalise: list[str] = typer.Option([], "--normalise", help="REGEX or REGEX=>REPLACEMENT."),
    confirm: int = typer.Option(1, "--confirm", help="Report a change once seen in N checks in a row."),
    evidence_on_change: bool = typer.Option(
        False, "--evidence-on-change",
        help="A check that finds changes also leaves a signed evidence bundle."),
    window: str | None = typer.Option(None, "--window", help="Check only then, e.g. "
                                      "'mon-fri 08:00-20:00 Europe/Paris'."),
    jitter: str | None = typer.Option(None, "--jitter", help="Random delay added to each run, e.g. 30s."),
    host_gap: str | None = typer.Option(None, "--host-gap", help="Seconds between checks of this host."),
    host_cap: int | None = typer.Option(None, "--host-cap", help="Checks of this host at a time."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Watch a page: it is checked on its schedule (`scraper run`) or by hand (`scraper check`)."""
    from scraper.watches import WatchSpec, add_watch, open_db, watch_dict, watch_fields

    settings = load_settings()
    spec = WatchSpec(url=url, name=name, profile=profile, every=every, cron=cron, email=email,
                     notify_on=notify_on or None, ignore=ignore,
                     normalise=_normalise_pairs(normalise), confirm=confirm, digest=digest,
                     notify=notify, evidence_on_change=evidence_on_change, window=window,
                     jitter=jitter, host_gap=host_gap, host_cap=host_cap)
    watch_fields(spec, settings)  # every value checked before the database is even opened
    watch = add_watch(open_db(settings), spec, settings)
    _print_watch(watch_dict(watch), as_json)


@watch_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the watches."""
    from sqlmodel import Session

    from scraper import store
    from scraper.watches import open_db, watch_dict

    with Session(open_db(load_settings())) as session:
        watches = [watch_dict(w) for w in store.list_watches(session)]
    if as_json:
        print_json(watches)
        return
    table = Table("id", "name", "url", "profile", "schedule", "state")
    for w in watches:
        schedule = w["schedule"]
        shown = f"{schedule['kind']} {schedule['spec']}" if isinstance(schedule, dict) else "manual"
        table.add_row(str(w["id"]), Text(safe(str(w["name"]))), Text(safe(str(w["url"]))),
                      Text(safe(str(w["profile"] or "detect"))), Text(safe(shown)),
                      "paused" if w["paused"] else "active")
    out.print(table)


@watch_app.command("show")
def show(ref: str = typer.Argument(..., help="Watch id or name."),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one watch."""
    from sqlmodel import Session

    from scraper import store
    from scraper.watches import open_db, watch_dict

    with Session(open_db(load_settings(), missing=f"no watch {ref!r}")) as session:
        data = watch_dict(store.get_watch(session, ref))
    _print_watch(data, as_json)


def _set_paused(ref: str, paused: bool, as_json: bool) -> None:
    """Pause or resume, then print the watch."""
    from sqlmodel import Session

    from scraper import store
    from scraper.watches import open_db, watch_dict

    with Session(open_db(load_settings(), missing=f"no watch {ref!r}")) as session:
        watch = store.set_paused(session, store.get_watch(session, ref), paused)
        session.commit()
        session.refresh(watch)
        data = watch_dict(watch)
    _print_watch(data, as_json)


@watch_app.command("pause")
def pause(ref: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Stop checking a watch on its schedule (history is kept)."""
    _set_paused(ref, True, as_json)


@watch_app.command("resume")
def resume(ref: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Check a paused watch on its schedule again."""
    _set_paused(ref, False, as_json)


@watch_app.command("remove")
def remove(ref: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Remove a watch with its checks and changes."""
    from sqlmodel import Session

    from scraper import store
    from scraper.watches import open_db

    with Session(open_db(load_settings(), missing=f"no watch {ref!r}")) as session:
        watch = store.get_watch(session, ref)
        data = {"removed": watch.id, "name": watch.name}
        store.remove_watch(session, watch)
        session.commit()
    if as_json:
        print_json(data)
    else:
        out.print(Text(f"removed watch {data['removed']} ({data['name']})"))


@watch_app.command("apply")
def apply_files(
    files: list[Path] = typer.Argument(..., help="Watch files (YAML), e.g. schedules/*.yaml."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create or update the watches declared in watch files (by name); all files are checked first."""
    from scraper import watchfile
    from scraper.watches import open_db

    settings = load_settings()
    planned = watchfile.plan(files, settings)
    results = watchfile.apply(open_db(settings), planned)
    if as_json:
        print_json([{"name": name, "result": result} for name, result in results])
        return
    for name, result in results:
        out.print(Text(f"{result:9} {safe(name)}"))


@watch_app.command("rebase")
def rebase(ref: str = typer.Argument(..., help="Watch id or name."),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Accept the page as its last check saw it as the new baseline: the next check compares with it
    (e.g. after a thread was really emptied, which is otherwise kept as a profile_mismatch)."""
    from scraper.watches import open_db, rebase_watch, watch_dict

    watch, check = rebase_watch(open_db(load_settings(), missing=f"no watch {ref!r}"), ref)
    if as_json:
        print_json({"watch": watch_dict(watch), "base_check_id": check.id})
    else:
        out.print(Text(f"watch {watch.id} ({safe(watch.name)}): check {check.id} "
                       f"({check.status}) is the new baseline"))
