"""A test report (`scraper notify test`): a sample change sent to a target at once, through the
same rendering, channel and retries as every report, but not through the outbox (nothing is
stored), and what happened said in words: where it went, and how."""

from __future__ import annotations

from dataclasses import dataclass

from scraper.config.settings import MailSettings, Settings
from scraper.reports import delivery
from scraper.reports.channels import DeliveryError
from scraper.reports.message import new_message_id
from scraper.reports.outbox import now_utc
from scraper.reports.report import Report, ReportItem
from scraper.reports.targets import NAMED, PLAIN_WEBHOOKS, Target

SAMPLE_URL = "https://example.org/scraper-test-report"


@dataclass(frozen=True)
class Trial:
    target: str  # as shown (masked)
    route: str  # how it went: "SMTP 127.0.0.1:25 (plain)", "an .eml file in …", "a JSON webhook"
    sent: bool
    error: str | None = None


def sample_report(watch: str = "test report") -> Report:
    moment = now_utc()
    comment = {"id": "1", "author": "scraper", "published": moment.isoformat(),
               "text": "This is a test report: if you read it, reports reach you."}
    return Report(items=[ReportItem(watch=watch, url=SAMPLE_URL, title="A test report from scraper",
                                    checked_at=moment.isoformat(),
                                    changes=[{"kind": "comment_added", "comment": comment}])])


def route(target: Target, mail: MailSettings) -> str:
    """How a report to `target` travels, in words (no secret: hosts, ports, file names)."""
    if target.scheme == "mailto":
        if mail.smtp is None:
            return f"an .eml file in {mail.outbox_dir} (SCRAPER_SMTP_HOST is not set)"
        security = {"none": "plain", "starttls": "STARTTLS", "ssl": "TLS"}[mail.smtp.security]
        login = f", login {mail.smtp.user!r}" if mail.smtp.user else ""
        return f"SMTP {mail.smtp.host}:{mail.smtp.port} ({security}{login})"
    if target.scheme == NAMED:
        return f"the channels of {mail.channels_file} named {target.url}"
    if target.scheme in ("http", "https"):
        return "a JSON webhook (POST)"
    if target.scheme in PLAIN_WEBHOOKS:
        return f"Apprise's {target.scheme}:// webhook"
    return f"Apprise ({target.scheme}://)"


def send_trials(settings: Settings, targets: list[Target], watch: str = "test report") -> list[Trial]:
    report = sample_report(watch)
    trials = []
    for t in targets:
        how = route(t, settings.mail)
        try:
            delivery.send_one(settings, report, t, row_id=0, created_at=now_utc(),
                              message_id=new_message_id(settings.mail.sender))
        except DeliveryError as exc:
            trials.append(Trial(t.shown, how, False, str(exc)))
        else:
            trials.append(Trial(t.shown, how, True))
    return trials
