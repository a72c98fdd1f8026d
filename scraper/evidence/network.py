"""The WARC recorder: every request and response the page made, from the browser's own events.

Listening on the context covers every frame (cross-origin iframes too) and popups. A body is
fetched from the browser as soon as its request finishes; redirects are kept as the 3xx responses
they were; a request that failed, or was still loading when the capture was taken, is kept with a
note instead of being dropped. Records go to the WARC file as they complete.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from loguru import logger
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from scraper.browser.recorder import Recorder
from scraper.evidence import bodies
from scraper.model.page import PageContent

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page, Request, Response

# Headers that describe the wire, not the body the browser hands back (already decoded, whole):
# kept under this prefix so the record stays true and a replay serves the body as stored.
ORIG_PREFIX = "X-Archive-Orig-"
_WIRE_HEADERS = ("content-encoding", "transfer-encoding", "content-length")


class WarcRecorder(Recorder):
    def __init__(self, path: Path, software: str) -> None:
        self.path = path
        self.software = software
        self.notes: list[dict[str, str]] = []  # {url, note}: what is not the plain exchange
        self.failed: list[dict[str, str]] = []  # {url, error}
        self.records = 0
        self._file: IO[bytes] | None = None
        self._writer: WARCWriter | None = None
        self._open: dict[Request, Response | None] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._done = False

    async def attach(self, context: BrowserContext, page: Page) -> None:
        self._file = self.path.open("wb")
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        self._writer.write_record(self._writer.create_warcinfo_record(self.path.name, {
            "software": self.software, "format": "WARC File Format 1.1",
            "description": "every request and response of one browser session",
        }))
        context.on("request", self._on_request)
        context.on("response", self._on_response)
        context.on("requestfinished", lambda r: self._spawn(self._finished(r)))
        context.on("requestfailed", lambda r: self._spawn(self._failed(r)))

    def _on_request(self, request: Request) -> None:
        if not self._done and urlsplit(request.url).scheme in ("http", "https"):
            self._open[request] = None

    def _on_response(self, response: Response) -> None:
        if response.request in self._open:
            self._open[response.request] = response

    def _spawn(self, job: Any) -> None:
        task = asyncio.ensure_future(job)
        self._tasks.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[None]) -> None:
        """A body fetch ended. One still running when the context closed (a failed render that
        never collected) fails with TargetClosedError: noted here, so nothing is left unretrieved."""
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            logger.debug("WARC recording: a response not recorded: {}", _first_line(exc))

    async def _finished(self, request: Request) -> None:
        if self._done or request not in self._open:
            return
        del self._open[request]
        response = await request.response()
        if response is None:
            await self._write(request, None, None, "finished without a response")
            return
        try:
            data = await response.body()
        except Exception as exc:  # redirects and evicted resources have no body to give
            note = ("a redirect: the browser keeps no body for it" if 300 <= response.status < 400
                    else f"the browser could not return the body: {_first_line(exc)}")
            await self._write(request, response, None, note)
            return
        await self._write(request, response, data, None)

    async def _failed(self, request: Request) -> None:
        if self._done or request not in self._open:
            return
        response = self._open.pop(request)
        error = request.failure or "failed"
        self.failed.append({"url": request.url, "error": error})
        await self._write(request, response, None, f"request failed: {error}")

    async def collect(self, page: Page, content: PageContent) -> None:
        """Wait for the bodies being fetched, then note what was still loading."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        self._done = True
        for request, response in list(self._open.items()):
            await self._write(request, response, None, "still loading when the capture was taken")
        self._open.clear()

    async def finish(self) -> None:
        if self._file is not None:
            self._file.close()

    async def _write(self, request: Request, response: Response | None, data: bytes | None,
                     note: str | None) -> None:
        writer = self._writer
        assert writer is not None
        date = _date(request)
        # The headers as sent on the wire arrive with the response; without one, Playwright
        # would wait for them for ever, so the headers the page asked for are kept instead.
        sent = await _pairs(request) if response is not None else list(request.headers.items())
        req = writer.create_warc_record(
            request.url, "request", payload=BytesIO(request.post_data_buffer or b""),
            http_headers=StatusAndHeaders(_request_line(request), sent, is_http_request=True),
            warc_headers_dict={"WARC-Date": date},
        )
        if response is None:
            writer.write_record(req)
            self._note(writer, request.url, date, req, note or "no response")
            self.records += 1
            return
        headers = await _pairs(response)
        body = bodies.restore(data, dict(headers)) if data is not None else None
        note = note or (body.note if body else None)
        stored = body.data if body else b""
        resp = writer.create_warc_record(
            request.url, "response", payload=BytesIO(stored),
            http_headers=StatusAndHeaders(_status_line(response), _stored_headers(headers, stored),
                                          protocol="HTTP/1.1"),
            warc_headers_dict=await _response_warc_headers(response, date, truncated=data is None
                                                           and not 300 <= response.status < 400),
        )
        writer.write_request_response_pair(req, resp)
        if note:
            self._note(writer, request.url, date, resp, note)
        self.records += 1

    def _note(self, writer: WARCWriter, url: str, date: str, about: Any, note: str) -> None:
        """A metadata record beside the exchange: what a reader of the WARC must know about it."""
        self.notes.append({"url": url, "note": note})
        record = writer.create_warc_record(
            url, "metadata", payload=BytesIO(f"note: {note}\r\n".encode()),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": date,
                               "WARC-Concurrent-To": about.rec_headers.get_header("WARC-Record-ID")},
        )
        writer.write_record(record)


async def _pairs(message: Request | Response) -> list[tuple[str, str]]:
    return [(h["name"], h["value"]) for h in await message.headers_array()]


def _request_line(request: Request) -> str:
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{request.method} {target} HTTP/1.1"


def _status_line(response: Response) -> str:
    reason = response.status_text
    if not reason:  # HTTP/2 has no reason phrase
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
    return f"{response.status} {reason}".rstrip()


def _stored_headers(headers: list[tuple[str, str]], body: bytes) -> list[tuple[str, str]]:
    """The headers with the wire-only ones renamed, and the length of the body as stored."""
    out = [(ORIG_PREFIX + k if k.lower() in _WIRE_HEADERS else k, v) for k, v in headers]
    out.append(("Content-Length", str(len(body))))
    return out


async def _response_warc_headers(response: Response, date: str, *, truncated: bool) -> dict[str, str]:
    extra = {"WARC-Date": date}
    address = await response.server_addr()
    if address:
        extra["WARC-IP-Address"] = address["ipAddress"]
    if truncated:
        extra["WARC-Truncated"] = "unspecified"
    return extra


def _date(request: Request) -> str:
    from datetime import UTC, datetime

    start = request.timing.get("startTime", 0)
    moment = datetime.fromtimestamp(start / 1000, UTC) if start > 0 else datetime.now(UTC)
    # warcio wants naive UTC: an aware datetime would print its offset before the Z.
    return str(datetime_to_iso_date(moment.replace(tzinfo=None), use_micros=True))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
