"""`scraper capture --evidence`: one bundle, or a batch from a file with progress and a summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from scraper.base.errors import InputError, JobFailed
from scraper.base.terminal import safe
from scraper.cli.output import out, output_target, print_json, write_atomic

if TYPE_CHECKING:  # the evidence stack is imported only when a command needs it
    from scraper.evidence.batch import Row
    from scraper.evidence.recording import Bundle


@dataclass(frozen=True)
class EvidenceArgs:
    url: str | None
    from_file: Path | None
    evidence: bool
    profile: str | None
    deadline: float | None
    out_dir: Path | None
    case: str | None
    note: str | None
    ignore_https_errors: bool
    as_json: bool
    output: Path | None


def run_evidence(args: EvidenceArgs) -> None:
    from scraper.config.settings import load_settings
    from scraper.evidence.recording import CaptureOptions
    from scraper.store import open_db

    if not args.evidence:
        raise InputError("--from-file captures evidence bundles: add --evidence")
    if (args.url is None) == (args.from_file is None):
        raise InputError("give one URL, or --from-file FILE, not both")
    if args.from_file is not None and args.output is not None:
        raise InputError("--output writes one record; a batch keeps each in its bundle")
    settings = load_settings()
    options = CaptureOptions(case=args.case, note=args.note,
                             ignore_https_errors=args.ignore_https_errors)
    if args.from_file is not None:
        _batch(args, settings, options)
        return
    from scraper.base.urls import check_url
    from scraper.browser import BrowserSession
    from scraper.evidence.bundle import capture_evidence, check_out_dir

    url = check_url(args.url or "")
    out_dir = check_out_dir(args.out_dir) if args.out_dir else None
    target = output_target(args.output) if args.output is not None else None  # before any work
    engine = open_db(settings)  # a database that cannot be opened fails before the browser
    with BrowserSession(settings) as browser:
        bundle = capture_evidence(url, settings=settings, engine=engine, options=options,
                                  session=browser, profile=args.profile, deadline=args.deadline,
                                  out=out_dir)
    if target is not None:
        write_atomic(target, bundle.record.to_json(indent=2) + "\n")
    if args.as_json:
        print_json({"bundle": bundle.to_dict(), "record": bundle.record.to_dict()})
    else:
        from scraper.cli.record_view import render_record

        out.print(render_record(bundle.record))
        out.print(render_bundle(bundle), soft_wrap=True)  # paths and hashes stay whole
    if bundle.timestamp_error:
        raise JobFailed(f"the bundle is kept, signed but not timestamped: {bundle.timestamp_error}")


def render_bundle(bundle: Bundle) -> RenderableType:
    text = Text()
    text.append("Evidence bundle ", style="bold")
    text.append(safe(str(bundle.folder)) + "\n")
    text.append(f"  {bundle.wacz.name}  sha256 {bundle.package_hash}\n")
    text.append(f"  signed with key sha256:{bundle.key_fingerprint}\n")
    if bundle.timestamp:
        text.append(f"  timestamped {bundle.timestamp} (RFC 3161)\n")
    for artifact in bundle.provenance["artifacts"]:
        if not artifact["made"]:
            text.append(f"  {artifact['file']} not made: {safe(artifact.get('error', ''))}\n",
                        style="yellow")
    for failed in bundle.provenance["network"]["failed"]:
        text.append(f"  request failed: {safe(failed['url'])} ({safe(failed['error'])})\n",
                    style="dim")
    return text


def _batch(args: EvidenceArgs, settings: Any, options: Any) -> None:
    from scraper.evidence.batch import read_urls, run_batch
    from scraper.store import open_db

    assert args.from_file is not None
    urls = read_urls(args.from_file)
    if args.out_dir is not None and args.out_dir.exists() and not args.out_dir.is_dir():
        raise InputError(f"--out {args.out_dir}: not a folder")
    engine = open_db(settings)
    show = out.is_terminal and not args.as_json
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=out, disable=not show, transient=True)
    with progress:
        task = progress.add_task("capturing", total=len(urls))

        def advance(row: Row) -> None:
            progress.advance(task)
            progress.update(task, description=f"{row.outcome}: {safe(row.url)[:60]}")

        rows = run_batch(urls, settings=settings, engine=engine, options=options,
                         root=args.out_dir, profile=args.profile, deadline=args.deadline,
                         progress=advance)
    if args.as_json:
        print_json([{"url": r.url, "outcome": r.outcome, "detail": r.detail,
                     "bundle": r.bundle.to_dict() if r.bundle else None} for r in rows])
    else:
        out.print(_summary(rows))
    failed = [r for r in rows if r.outcome == "failed"]
    if failed:
        raise JobFailed(f"{len(failed)} of {len(rows)} captures failed; the others are kept")


def _summary(rows: list[Row]) -> Table:
    table = Table("url", "outcome", "bundle / error", title="Evidence captures")
    styles = {"captured": "green", "skipped": "dim", "failed": "red"}
    for row in rows:
        table.add_row(Text(safe(row.url)), Text(row.outcome, style=styles[row.outcome]),
                      Text(safe(row.detail)))
    return table
