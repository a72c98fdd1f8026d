"""Regexes people write (profiles, watches' --normalise): checked up front, run with a timeout.

Two layers, because neither alone is enough:
- `check_regex` refuses, at input time, the shape behind almost every catastrophic backtracking
  case: a repeat inside an unbounded repeat (`(a+)+$`, `(\\w*\\s?)*`). It names the fix
  (a possessive quantifier or an atomic group, which Python supports). It is a heuristic: it has
  false positives (`(?:\\d+,)*`, which the advice fixes) and misses rarer shapes (`(a|a)*`).
- so every user regex also runs through the `regex` module with a timeout: a pattern that slips
  through still cannot hang a check; it fails it, naming the pattern.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import regex

from scraper.base.errors import InputError

# Seconds one user regex may run on one value before the check fails.
TIMEOUT = 2.0

_parser: Any = getattr(re, "_parser", None)
_constants: Any = getattr(re, "_constants", None)
if _parser is None or _constants is None:  # pragma: no cover - Python < 3.11 names
    import sre_constants as _constants
    import sre_parse as _parser

_REPEATS = {_constants.MAX_REPEAT, _constants.MIN_REPEAT}


class RegexTimeout(InputError, ValueError):
    """A user regex ran longer than TIMEOUT: the pattern backtracks catastrophically (a broken
    profile or watch: bad input)."""


def check_regex(expr: str) -> str:
    """Compile `expr` (ValueError if it is invalid or shaped for catastrophic backtracking)."""
    try:
        tree = _parser.parse(expr)
    except re.error as exc:
        raise ValueError(f"invalid regex {expr!r}: {exc}") from None
    if _nested_repeat(tree, inside_unbounded=False):
        raise ValueError(
            f"regex {expr!r} nests a repeat inside an unbounded repeat (like (a+)+), which can "
            "take exponential time on some text; make the outer one possessive (*+, ++) or use "
            "an atomic group (?>…)"
        )
    return expr


def _nested_repeat(items: Any, *, inside_unbounded: bool) -> bool:
    for op, arg in items:
        children = arg[-1:] if op == _constants.SUBPATTERN else arg[1] if op == _constants.BRANCH else []
        if op in _REPEATS:
            low, high, body = arg
            del low
            if inside_unbounded and high > 1:
                return True
            unbounded = high == _constants.MAXREPEAT
            if _nested_repeat(body, inside_unbounded=inside_unbounded or unbounded):
                return True
        elif any(_nested_repeat(child, inside_unbounded=inside_unbounded) for child in children):
            return True
        # POSSESSIVE_REPEAT and ATOMIC_GROUP never backtrack into their body: safe by design.
    return False


@functools.lru_cache(maxsize=512)
def compile_user(expr: str) -> regex.Pattern[str]:
    # Cached: a profile's regex runs once per comment (5,000 on a long thread).
    return regex.compile(expr)


def search(pattern: regex.Pattern[str], value: str) -> regex.Match[str] | None:
    try:
        return pattern.search(value, timeout=TIMEOUT)
    except TimeoutError:
        raise RegexTimeout(_timed_out(pattern)) from None


def sub(pattern: regex.Pattern[str], replacement: str, value: str) -> str:
    try:
        return pattern.sub(replacement, value, timeout=TIMEOUT)
    except TimeoutError:
        raise RegexTimeout(_timed_out(pattern)) from None


def _timed_out(pattern: regex.Pattern[str]) -> str:
    return (f"regex {pattern.pattern!r} ran longer than {TIMEOUT:g}s on one value "
            "(catastrophic backtracking): simplify it")
