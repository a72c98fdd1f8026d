"""The two kinds of failure a person sees, each with its exit code; domain errors by type.

Commands raise these; only the CLI entry point turns them into exit codes, so every command stays
callable (and testable) as a plain function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


class ScraperError(Exception):
    """Base class; `exit_code` is what the CLI returns. `where` names what is at fault when the
    message alone does not (an option such as `--every`, a `file:line`, a URL): `--json` errors
    carry it as a field."""

    exit_code = 1

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.where = where


class InputError(ScraperError):
    """Bad input from the user (profile, URL, schedule, option): nothing was done. Exit code 2."""

    exit_code = 2


class JobFailed(ScraperError):
    """A job ran and failed (timeout, HTTP error, browser crash). Exit code 1.

    `kind` classifies it for the check's row (see `scraper.base.failures`); None lets the classifier
    decide.
    """

    exit_code = 1

    def __init__(self, message: str, kind: str | None = None, *, where: str | None = None) -> None:
        super().__init__(message, where=where)
        self.kind = kind


class Cancelled(ScraperError):
    """A job cut short on purpose (the daemon stopping): a check so ended writes no row."""


# Domain errors by type: what went wrong, never worded with a face's words (a CLI flag, an HTTP
# status). Each face maps them once: the CLI to exit codes (all are bad input, 2), the web to
# statuses (404, 409, 422). `where` names the field at fault in the domain's terms (`every`,
# `url`), which the CLI turns into its flag and the API reports as is.


@dataclass(frozen=True)
class Fault:
    """One field at fault, worded so that each face names the fields its own way: `every
    '5 minutes': give …` in the domain and the API, `--every '5 minutes': give …` on the command
    line."""

    field: str
    message: str  # what is wrong, without the field's name; other fields as `{key}` (`mentions`)
    value: str | None = None  # the value at fault as shown (a repr), when the message lacks it
    named: bool = True  # False: the message names what is at fault itself (a URL's problems)
    mentions: tuple[str, ...] = ()  # the other fields the message names, written `{key}`

    def text(self, words: Callable[[str], str] = str) -> str:
        """What is wrong, without the field's name (a form shows it next to the field)."""
        message = self.message
        for key in self.mentions:
            message = message.replace("{" + key + "}", words(key))
        return f"{self.value}: {message}" if self.value is not None else message

    def said(self, words: Callable[[str], str] = str) -> str:
        """The line, each field called as `words` calls it (default: by its domain name)."""
        shown = self.text(words)
        if not self.named:
            return shown
        return f"{words(self.field)} {shown}" if self.value is not None else f"{words(self.field)}: {shown}"


class DomainError(InputError):
    """A domain error; `faults`: the fields at fault, when the error is about fields (its
    message is then their lines and `where` the first one's field, unless given)."""

    def __init__(self, message: str | None = None, *, where: str | None = None,
                 faults: Sequence[Fault] = ()) -> None:
        self.faults = tuple(faults)
        if message is None:
            message = "\n".join(f.said() for f in self.faults)
        if where is None and self.faults:
            where = self.faults[0].field
        super().__init__(message, where=where)


class NotFound(DomainError):
    """The thing asked for does not exist (a watch, a check, a report, a token, a capture)."""


class Forbidden(DomainError):
    """The thing exists but may not be given out (a symlink planted in a capture's folder)."""


class Conflict(DomainError):
    """The request clashes with what is stored (a name or page already watched, a state that
    forbids it). `override`: the domain option that would let it through (`allow_duplicate`),
    which each face names its own way."""

    def __init__(self, message: str | None = None, *, where: str | None = None,
                 faults: Sequence[Fault] = (), override: str | None = None) -> None:
        super().__init__(message, where=where, faults=faults)
        self.override = override


class Invalid(DomainError):
    """A value is not acceptable; `where` is the field."""
