"""The typer application and the one place where errors become exit codes."""

from __future__ import annotations

import sys

import typer
from loguru import logger

from scraper.cli.output import err
from scraper.errors import ScraperError

app = typer.Typer(
    name="scraper",
    help="Watch and capture JavaScript-rendered pages: articles and comment threads as records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def configure_logging(verbose: bool) -> None:
    logger.remove()
    logger.enable("scraper")
    logger.add(sys.stderr, level="DEBUG" if verbose else "WARNING", format="{level}: {message}")


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what happens to stderr."),
) -> None:
    configure_logging(verbose)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code: 0 ok, 1 a job failed, 2 bad input (usage included)."""
    configure_logging(False)
    try:
        app(args=argv, prog_name="scraper")  # click prints usage errors itself, exiting with 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ScraperError as exc:
        err.print("[bold red]error:[/] ", end="")
        err.out(str(exc), highlight=False)  # out(): no markup, so a URL's brackets stay literal
        return exc.exit_code
    return 0


def run() -> None:
    sys.exit(main())
