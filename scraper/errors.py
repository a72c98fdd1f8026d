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

    `kind` classifies it for the check's row (see `scraper.failures`); None lets the classifier
    decide.
    """

    exit_code = 1

    def __init__(self, message: str, kind: str | None = None, *, where: str | None = None) -> None:
        super().__init__(message, where=where)
        self.kind = kind


class Cancelled(ScraperError):
    """A job cut short on purpose (the daemon stopping): a check so ended writes no row."""
