"""Difficult pages captured as evidence, each with its facts in the provenance: a redirect chain
(into a page in ISO-8859-1, kept byte for byte), failing sub-resources, a slow page holding a
request open, and a self-signed HTTPS server (refused unless asked, then marked untrusted)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from scraper.base.errors import JobFailed
from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.evidence.bundle import capture_evidence
from scraper.evidence.recording import Bundle, CaptureOptions
from scraper.evidence.verify import verify
from scraper.store import open_db
from tests.sites import use_test_profiles
from tests.sites.evidence_pages import (
    LATIN_PAGE,
    LATIN_TEXT,
    SLOW_SECONDS,
    EvidencePages,
    self_signed_context,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pages() -> Iterator[EvidencePages]:
    with EvidencePages() as server:
        yield server


def take(url: str, chromium: BrowserSession, monkeypatch: pytest.MonkeyPatch,
         options: CaptureOptions | None = None) -> Bundle:
    use_test_profiles(monkeypatch)
    settings = load_settings()
    engine = open_db(settings)
    try:
        return capture_evidence(url, settings=settings, engine=engine, session=chromium,
                                options=options or CaptureOptions(), profile="evidence-quick")
    finally:
        engine.dispose()


def warc_records(bundle: Bundle) -> list[tuple[str, str, str | None, bytes]]:
    """(type, url, status, body) of every record."""
    with zipfile.ZipFile(bundle.wacz) as archive:
        data = archive.read("archive/data.warc.gz")
    out = []
    for record in ArchiveIterator(io.BytesIO(data)):
        status = record.http_headers.get_statuscode() if record.http_headers else None
        out.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"), status,
                    record.content_stream().read()))
    return out


def test_a_redirect_chain_is_recorded_as_such(
    pages: EvidencePages, chromium: BrowserSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = take(pages.url("/start"), chromium, monkeypatch)
    p = bundle.provenance
    assert (p["requested_url"], p["final_url"]) == (pages.url("/start"), pages.url("/latin"))
    assert p["redirects"] == [
        {"url": pages.url("/start"), "status": 302, "location": "/moved"},
        {"url": pages.url("/moved"), "status": 301, "location": "/latin"},
    ]
    responses = {(url, status) for kind, url, status, _ in warc_records(bundle) if kind == "response"}
    assert {(pages.url("/start"), "302"), (pages.url("/moved"), "301"),
            (pages.url("/latin"), "200")} <= responses
    assert bundle.record.article.title == LATIN_TEXT
    assert verify(bundle.folder).ok


def test_a_latin_1_page_is_kept_byte_for_byte(
    pages: EvidencePages, chromium: BrowserSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = take(pages.url("/latin"), chromium, monkeypatch)
    body = next(b for kind, url, _, b in warc_records(bundle)
                if kind == "response" and url == pages.url("/latin"))
    assert body == LATIN_PAGE  # the server's ISO-8859-1 bytes, not the browser's UTF-8 text
    assert any("restored" in n["note"] for n in bundle.provenance["network"]["notes"])


def test_failing_sub_resources_are_stated(
    pages: EvidencePages, chromium: BrowserSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = take(pages.url("/broken"), chromium, monkeypatch)
    network = bundle.provenance["network"]
    refused = f"http://127.0.0.1:{pages.refused}/x.png"
    assert {"url": refused, "error": "net::ERR_CONNECTION_REFUSED"} in network["failed"]
    records = warc_records(bundle)
    assert ("response", pages.url("/missing.png"), "404", b"no such page") in records
    assert any(kind == "request" and url == refused for kind, url, _, _ in records)
    assert any(kind == "metadata" and url == refused and b"ERR_CONNECTION_REFUSED" in body
               for kind, url, _, body in records)
    assert bundle.provenance["response"]["status"] == 200 and verify(bundle.folder).ok


def test_a_slow_page_is_captured_with_its_timing_and_what_was_still_loading(
    pages: EvidencePages, chromium: BrowserSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = take(pages.url("/slow"), chromium, monkeypatch)
    p = bundle.provenance
    assert p["navigation_timing"]["response_start_ms"] >= SLOW_SECONDS * 1000
    assert {"url": pages.url("/hang"), "note": "still loading when the capture was taken"} in \
        p["network"]["notes"]
    assert any(kind == "request" and url == pages.url("/hang")
               for kind, url, _, _ in warc_records(bundle))
    assert bundle.record.article.title == "Slow page" and verify(bundle.folder).ok


def test_https_with_a_self_signed_certificate(
    chromium: BrowserSession, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with EvidencePages(self_signed_context(tmp_path)) as server:
        url = server.url("/latin")
        with pytest.raises(JobFailed, match="ERR_CERT_AUTHORITY_INVALID"):
            take(url, chromium, monkeypatch)
        bundle = take(url, chromium, monkeypatch, CaptureOptions(ignore_https_errors=True))
    tls = bundle.provenance["tls"]
    assert tls["protocol"].startswith("TLS")
    assert tls["subject"] == tls["issuer"] == "scraper self-signed test"
    assert tls["valid_from"] < tls["valid_to"]
    assert (tls["trusted"], tls["security_state"]) == (False, "insecure")
    assert bundle.provenance["options"]["ignore_https_errors"] is True
    assert bundle.record.article.title == LATIN_TEXT and verify(bundle.folder).ok
