"""Every command, registered on the typer app: importing this module loads them all."""

from scraper.cli import (  # noqa: F401  (each module registers its commands)
    capture_cmd,
    check_cmd,
    db_cmd,
    demo_cmd,
    doctor_cmd,
    evidence_cmd,
    notify_cmd,
    outbox_cmd,
    profile_cmd,
    proof_cmd,
    prune_cmd,
    run_cmd,
    serve_cmd,
    status_cmd,
    suggest_cmd,
    watch_cmd,
    watchfile_cmd,
    worker_cmd,
)
from scraper.cli.app import app, main

__all__ = ["app", "main"]
