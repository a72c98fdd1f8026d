"""The typer application and the one place where errors become exit codes."""

from __future__ import annotations

import sys
import traceback
from typing import TYPE_CHECKING

import typer
from loguru import logger

from scraper.cli.output import err
from scraper.errors import ScraperError
from scraper.failures import classify
from scraper.terminal import safe

if TYPE_CHECKING:
    from loguru import Record

app = typer.Typer(
    name="scraper",
    help="Watch and capture JavaScript-rendered pages: articles and comment threads as records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _escaped(record: Record) -> None:
    # Log messages and tracebacks carry outside text (URLs, reason phrases, page errors): escape
    # control and bidi characters here, once, so no log line can drive the terminal or a viewer.
    record["message"] = safe(record["message"])
    error = record["exception"]
    record["extra"]["traceback"] = "" if error is None else safe(
        "".join(traceback.format_exception(error.type, error.value, error.traceback)))


def _to_stderr(message: object) -> None:
    sys.stderr.write(str(message))


def configure_logging(verbose: bool) -> None:
    logger.remove()
    logger.enable("scraper")
    logger.configure(patcher=_escaped)
    # Tracebacks go to the debug log only (`-v`); without it a person sees one line per failure.
    line = "{level}: {message}\n" + ("{extra[traceback]}" if verbose else "")
    # The stream is looked up at each line, not bound once: a caller (or a test) may swap it.
    logger.add(_to_stderr, level="DEBUG" if verbose else "WARNING",
               format=lambda _: line, backtrace=False, diagnose=False)


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
        _say(str(exc))
        return exc.exit_code
    except Exception as exc:  # a failure nobody classified yet: still one line, never a traceback
        logger.opt(exception=exc).debug("unexpected error")
        _say(classify(exc).message)
        return 1
    return 0


def _say(message: str) -> None:
    err.print("[bold red]error:[/] ", end="")
    err.out(safe(message), highlight=False)  # out(): no markup, so a URL's brackets stay literal


def run() -> None:
    sys.exit(main())
