"""The two kinds of failure a person sees, each with its exit code.

Commands raise these; only the CLI entry point turns them into exit codes, so every command stays
callable (and testable) as a plain function.
"""


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


class NotFound(InputError):
    """The thing asked for does not exist (a watch, a check, a report, a token, a capture)."""


class Conflict(InputError):
    """The request clashes with what is stored (a name or page already watched, a state that
    forbids it)."""


class Invalid(InputError):
    """A value is not acceptable; `where` is the field."""
