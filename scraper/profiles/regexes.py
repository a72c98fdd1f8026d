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


# Steps of a backtracking search bounded this low run in well under a millisecond: no timeout needed.
UNTIMED_STEPS = 100_000
UNTIMED_MAX = 4096  # characters: longer values are timed whatever the pattern
_SINGLE = {_constants.LITERAL, _constants.NOT_LITERAL, _constants.ANY, _constants.IN,
           _constants.CATEGORY}
_REPEAT_OPS = {*_REPEATS, *(getattr(_constants, n) for n in ("POSSESSIVE_REPEAT",) if hasattr(_constants, n))}


def _cost(items: Any) -> tuple[int, int] | None:
    """(factor, degree): a bound of `factor * (n + 1) ** degree` on the ways a backtracking matcher
    can match `items` at one position of an n-character value; None when no such bound is shown
    (a repeat of more than one character, back-references, lookarounds)."""
    factor, degree = 1, 0
    for op, arg in items:
        if op in _SINGLE or op == _constants.AT:
            continue
        if op == _constants.SUBPATTERN or op == getattr(_constants, "ATOMIC_GROUP", None):
            inner = _cost(arg[-1])
        elif op == _constants.BRANCH:
            branches = [_cost(b) for b in arg[1]]
            if any(b is None for b in branches):
                return None
            inner = (sum(f for f, _ in branches), max(d for _, d in branches))  # type: ignore[misc]
        elif op in _REPEAT_OPS:
            low, high, body = arg
            if high == _constants.MAXREPEAT:  # unbounded: one character at a time only
                single = len(body) == 1 and body[0][0] in _SINGLE
                inner = (1, 1) if single else None
            elif (part := _cost(body)) is not None and high <= 8:
                inner = ((high - low + 1) * part[0] ** high, part[1] * high)
            else:
                inner = None
        else:
            return None
        if inner is None:
            return None
        factor, degree = factor * inner[0], degree + inner[1]
    return factor, degree


@functools.lru_cache(maxsize=512)
def untimed_up_to(expr: str) -> int:
    """The longest value `expr` runs on without a timeout: one its search is shown to finish
    within UNTIMED_STEPS on (every start position tried; -1 when nothing is shown). The `regex`
    module's timeout costs ~6 µs a call, most of the run on a short value such as a comment id."""
    try:
        cost = _cost(_parser.parse(expr))
    except re.error:
        return -1
    if cost is None:
        return -1
    factor, degree = cost

    def bounded(n: int) -> bool:  # degree + 1: every start position is tried
        return factor * int((n + 1) ** (degree + 1)) <= UNTIMED_STEPS

    if not bounded(0):
        return -1
    n = 0
    while n < UNTIMED_MAX and bounded(n + 1):
        n += 1
    return n


def search(pattern: regex.Pattern[str], value: str) -> regex.Match[str] | None:
    if len(value) <= untimed_up_to(pattern.pattern):
        return pattern.search(value)
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
