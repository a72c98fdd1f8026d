"""`scraper capture URL`: render one page and print its record; with --evidence, a signed bundle."""

from __future__ import annotations

from pathlib import Path

import typer

from scraper.base.errors import InputError
from scraper.cli.app import app, examples
from scraper.cli.common import json_option
from scraper.cli.output import output_target, print_json, show, write_atomic

# Service modules are imported inside each command: start-up stays lean, and a command pays only
# for what it uses (a capture never loads the database layer).


@app.command("capture", epilog=examples(
    "scraper capture https://example.org/2016/10/19/post/",
    "scraper capture https://example.org/post/ --full            # the whole article",
    "scraper capture https://example.org/post/ --json -o post.json",
    "scraper capture https://forum.example/t/42 --profile ./forum.yaml",
    "scraper capture https://example.org/post/ --evidence --case acme --note 'as published'",
))
def capture_command(
    url: str | None = typer.Argument(None, metavar="URL", help="The page to capture (http or https)."),
    profile: str | None = typer.Option(None, "--profile", "-p", metavar="NAME|FILE",
                                       help="Profile name or profile file (default: detect)."),
    full: bool = typer.Option(False, "--full", help="Show the whole article and every comment "
                              "in full (through a pager on a terminal, when long)."),
    as_json: bool = json_option("the record"),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE",
                                       help="Also write the record JSON here (- for stdout)."),
    deadline: float | None = typer.Option(None, "--deadline", metavar="SECONDS",
                                          help="Give up after this long, up to 600 (default 45)."),
    evidence: bool = typer.Option(False, "--evidence",
                                  help="Also keep every artifact in a signed WACZ bundle."),
    out_dir: Path | None = typer.Option(None, "--out", metavar="DIR",
                                        help="The bundle's folder (batch: where the folders go); "
                                        "default $SCRAPER_HOME/captures/."),
    case: str | None = typer.Option(None, "--case", metavar="NAME",
                                    help="Group evidence captures under a case."),
    note: str | None = typer.Option(None, "--note", metavar="TEXT",
                                    help="A note kept in the provenance."),
    from_file: Path | None = typer.Option(None, "--from-file", metavar="FILE",
                                          help="Capture every URL in this file (one a line)."),
    ignore_https_errors: bool = typer.Option(
        False, "--ignore-https-errors",
        help="Accept an untrusted certificate for this capture (recorded as untrusted)."),
) -> None:
    """Render URL in Chromium and extract its article and comments."""
    from scraper.config.settings import check_deadline

    if deadline is not None:  # the same range everywhere, before anything runs or is written
        check_deadline(deadline, f"--deadline {deadline:g}")
    if evidence or from_file is not None:
        from scraper.cli.evidence_run import EvidenceArgs, run_evidence

        run_evidence(EvidenceArgs(
            url=url, from_file=from_file, evidence=evidence, profile=profile, deadline=deadline,
            out_dir=out_dir, case=case, note=note, ignore_https_errors=ignore_https_errors,
            as_json=as_json, output=output,
        ))
        return
    for name, given in (("--out", out_dir), ("--case", case), ("--note", note)):
        if given is not None:
            raise InputError(f"{name} belongs to an evidence capture: add --evidence")
    if url is None:
        raise InputError("give the URL to capture (or --evidence --from-file FILE)")
    from scraper.base.urls import check_url
    from scraper.cli.early import take
    from scraper.config.settings import load_settings

    # The `scraper` program started the driver and Chromium before it loaded this command
    # (scraper/cli/early.py, issue 25); else they start below, while the rest (the profiles)
    # loads. Input found wrong closes the browser again, unused.
    session = take()
    try:
        settings = session.settings if session is not None else load_settings()
        url = check_url(url)
        target = output_target(output) if output is not None else None  # before the capture
        if session is None:
            from scraper.browser import BrowserSession

            session = BrowserSession(settings)
            session.warm()
        from scraper.browser import RenderOptions
        from scraper.cli.record_view import render_record
        from scraper.pipeline.capture import capture

        record = capture(url, profile=profile, deadline=deadline, session=session,
                         options=RenderOptions(ignore_https_errors=ignore_https_errors))
    finally:
        if session is not None:
            session.close()
    if target is not None:
        write_atomic(target, record.to_json(indent=2) + "\n")
    elif output is not None and not as_json:  # `-o -`: the record JSON is the output
        print_json(record.to_dict())
        return
    if as_json:
        print_json(record.to_dict())
    else:
        show(render_record(record, full=full), page=full)
