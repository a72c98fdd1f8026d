"""The typer application and the one place where errors become exit codes (and, with `--json`, JSON
on stderr: `{"error": …, "where": …, "exit": 2}`)."""

from __future__ import annotations

import contextlib
import json
import platform
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from types import FrameType
from typing import TYPE_CHECKING, Any

import typer
from loguru import logger
from rich.markup import escape
from typer._click.exceptions import ClickException, NoSuchOption, UsageError

from scraper.base.errors import Conflict, DomainError, ScraperError
from scraper.base.failures import classify
from scraper.base.terminal import safe
from scraper.cli.help import HELP_NAMES, tidy
from scraper.cli.output import err

if TYPE_CHECKING:
    from loguru import Record

app = typer.Typer(
    name="scraper",
    help="Watch and capture JavaScript-rendered pages: articles and comment threads as records.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": HELP_NAMES},
)


def examples(*lines: str) -> str:
    """A command's help epilog: examples as a person would type them (no markup inside)."""
    return "[bold]Examples[/]\n\n" + "\n".join(escape(line) for line in lines)
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


def package_version() -> str:
    try:
        return version("scraper")
    except PackageNotFoundError:  # run from a checkout without installing it
        return "unknown"


def _show_version(value: bool) -> None:
    if value:
        try:
            playwright = version("playwright")
        except PackageNotFoundError:
            playwright = "missing"
        print(f"scraper {package_version()} (Playwright {playwright}, "
              f"Python {platform.python_version()})")
        raise typer.Exit()


@app.callback(epilog=examples(
    "scraper capture https://example.org/post/ --json",
    "scraper watch add https://example.org/post/ --every 15m --tag news",
    "scraper watch list --tag news",
    "scraper run",
))
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what happens to stderr."),
    _version: bool = typer.Option(False, "--version", "-V", callback=_show_version, is_eager=True,
                                  help="Print the version and exit."),
) -> None:
    configure_logging(verbose)


def _wants_json(args: list[str]) -> bool:
    return "--json" in (args[: args.index("--")] if "--" in args else args)


def _report(message: str, where: str | None, code: int, as_json: bool) -> int:
    if as_json:
        data: dict[str, Any] = {"error": safe(message), "where": where, "exit": code}
        print(json.dumps(data, ensure_ascii=False), file=sys.stderr)
    else:
        err.print("[bold red]error:[/] ", end="")
        # out(): no markup, so a URL's brackets stay literal; safe(): no control characters.
        err.out(safe(message), highlight=False)
    return code


def _usage_where(exc: UsageError) -> str | None:
    if isinstance(exc, NoSuchOption):
        return exc.option_name
    hint = getattr(exc, "param_hint", None)
    param = getattr(exc, "param", None)
    if isinstance(hint, str):
        return hint
    if param is not None:
        return str(param.get_error_hint()).strip("'")
    return exc.ctx.command_path if exc.ctx else None


# Domain fields that are no watch option, as the CLI names them (the options: `Option.cli`).
_FLAGS = {"clear": "--clear", "allow_duplicate": "--allow-duplicate", "from": "--from", "to": "--to",
          "limit": "--limit"}


def flag(field: str) -> str:
    """A domain field as the command line names it: `every` → `--every`, `tags` → `--tag`."""
    from scraper.watches.options import BY_KEY

    return BY_KEY[field].cli if field in BY_KEY else _FLAGS.get(field, field)


def _in_cli_words(exc: DomainError) -> tuple[str, str | None]:
    """A domain error's message and `where` with the CLI's flags for the domain's fields, and what
    to give to go ahead anyway (`--allow-duplicate`)."""
    message = "\n".join(f.said(flag) for f in exc.faults) if exc.faults else str(exc)
    if isinstance(exc, Conflict) and exc.override:
        message += f"; give {flag(exc.override)} to watch it anyway"
    return message, flag(exc.where) if exc.where else None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code: 0 ok, 1 a job failed, 2 bad input (usage included)."""
    configure_logging(False)
    args = sys.argv[1:] if argv is None else list(argv)
    as_json = _wants_json(args)
    command = tidy(typer.main.get_command(app))
    try:
        with _terminate_as_interrupt():
            result = command.main(args=args, prog_name="scraper", standalone_mode=False)
    except SystemExit as exc:  # shell completion exits on its own
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except DomainError as exc:
        return _report(*_in_cli_words(exc), exc.exit_code, as_json)
    except ScraperError as exc:
        return _report(str(exc), exc.where, exc.exit_code, as_json)
    except UsageError as exc:
        if as_json:
            return _report(exc.format_message(), _usage_where(exc), exc.exit_code, True)
        from typer.rich_utils import rich_format_error  # heavy (markdown): only when needed

        rich_format_error(exc)
        return exc.exit_code
    except ClickException as exc:
        return _report(exc.format_message(), None, exc.exit_code, as_json)
    except typer.Abort:  # Ctrl-C or end of input at a prompt
        return _report("aborted", None, 1, as_json)
    except KeyboardInterrupt:
        return _report("interrupted", None, 130, as_json)
    except Exception as exc:  # a failure nobody classified yet: still one line, never a traceback
        logger.opt(exception=exc).debug("unexpected error")
        return _report(classify(exc).message, None, 1, as_json)
    return result if isinstance(result, int) else 0


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds a command as Ctrl-C does (exit 130): its `finally` blocks run,
    so a check stopped mid-way releases its watch's lease (the next check does not wait for it to
    expire) and closes its browser. `scraper run` and `serve` set handlers of their own inside."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (a command run from a test's thread)
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

