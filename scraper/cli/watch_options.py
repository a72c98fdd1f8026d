"""The command-line options of `watch add` and `watch edit`, made from `scraper.watches.options.OPTIONS`.

`with_watch_options` adds one typer option per declared watch option to a command and hands the
command the ones that were given, as a watch file would hold them: `options: dict[str, Any]`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, get_type_hints

import typer

from scraper.watches.options import OPTIONS, Option

F = TypeVar("F", bound=Callable[..., Any])


def _annotation(opt: Option) -> Any:
    if opt.many or opt.pairs:
        return list[str] | None
    if opt.flag:
        return bool
    # A single value is taken as a list too, so that giving it twice (`--every 15m --every 1h`) is
    # an error rather than the last one silently winning.
    return list[opt.type] | None  # type: ignore[name-defined]


def _typer_option(opt: Option) -> Any:
    names = [opt.cli, *([opt.short] if opt.short else [])]
    return typer.Option(False if opt.flag else None, *names, help=opt.help,
                        metavar=opt.metavar or None, show_default=False,
                        autocompletion=_completer(opt.choices) if opt.choices else None)


def _completer(choices: Callable[[], tuple[str, ...]]) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        return [c for c in choices() if c.startswith(incomplete)]

    return complete


def given(raw: dict[str, Any]) -> dict[str, Any]:
    """The options given on the command line, converted to what a watch file would hold."""
    # Only when a command runs: start-up stays lean. The flags are named by `cli.app.main`.
    from scraper.watches.operations import invalid
    from scraper.watches.validate import Problem

    options, problems = {}, []
    for opt in OPTIONS:
        value = raw[opt.key]
        if value is None or value is False or value == []:
            continue
        if not (opt.many or opt.pairs or opt.flag):
            if len(value) > 1:
                shown = ", ".join(str(v) for v in value)
                problems.append(Problem(opt.key, f"given {len(value)} times ({shown}): give it once"))
                continue
            value = value[0]
        try:
            options[opt.key] = opt.from_cli(value)
        except ValueError as exc:
            problems.append(Problem(opt.key, str(exc)))
    if problems:
        raise invalid(problems)
    return options


def with_watch_options(command: F) -> F:
    """Give `command` every watch option; it receives `options` (the given ones) instead."""
    hints = get_type_hints(command)
    own = [p.replace(annotation=hints[p.name])
           for p in inspect.signature(command).parameters.values() if p.name != "options"]
    taken = {p.name for p in own}
    clash = taken & {o.key for o in OPTIONS}
    if clash:
        raise TypeError(f"watch options clash with {command.__name__}'s own: {sorted(clash)}")
    added = [inspect.Parameter(o.key, inspect.Parameter.KEYWORD_ONLY, default=_typer_option(o),
                               annotation=_annotation(o)) for o in OPTIONS]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        raw = {o.key: kwargs.pop(o.key) for o in OPTIONS}
        return command(**kwargs, options=given(raw))

    # Arguments first, then the watch options, then the command's own options (--json last).
    arguments = [p for p in own if isinstance(p.default, typer.models.ArgumentInfo)]
    rest = [p for p in own if p not in arguments]
    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in [*arguments, *added, *rest]]
    wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    del wrapper.__wrapped__  # typer must read the new signature, not the command's own
    return wrapper  # type: ignore[return-value]
