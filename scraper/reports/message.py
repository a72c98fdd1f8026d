"""A rendered report as an email: multipart/alternative, text first, HTML second.

Pure. Every header goes through the email package's SMTP policy, which refuses CR/LF in a value
and folds long lines; the subject was made one line already (`report.one_line`), and anything
that still is a control character is replaced here, so no page text can start a header of its own.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

from scraper.reports.render import Rendered

# Folding at 78 columns makes the email package leave a doubled space around encoded words (a
# subject with "·" or "‘" reads "edited  · Russia"); 998 is RFC 5322's hard line limit, and our
# one-line headers stay well under it.
POLICY = SMTP.clone(max_line_length=998)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def header_value(value: str) -> str:
    """One line, no control characters: safe to put into any header."""
    return " ".join(_CONTROL.sub(" ", value).split())


def new_message_id(sender: str) -> str:
    """A Message-ID made once, when the report is queued: every retry sends the same one, so a
    receiving server (or person) can tell a repeat from a new report."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<{uuid.uuid4().hex}.report@{header_value(domain)}>"


def build_email(rendered: Rendered, *, sender: str, to: str, message_id: str,
                date: datetime) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["Subject"] = header_value(rendered.subject)
    message["From"] = header_value(sender)
    message["To"] = header_value(to)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = header_value(message_id)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: vacation responders stay quiet
    message["X-Auto-Response-Suppress"] = "All"  # the same, for Exchange
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if rendered.pictures:
        # multipart/related around the HTML: its <img src="cid:…"> find their pictures there.
        html = message.get_body(("html",))
        assert isinstance(html, EmailMessage)
        for picture in rendered.pictures:
            maintype, _, subtype = picture.media_type.partition("/")
            html.add_related(picture.content, maintype=maintype, subtype=subtype,
                             cid=f"<{picture.cid}>", disposition="inline",
                             filename=picture.cid.split("@")[0] + "." + subtype)
    return message
