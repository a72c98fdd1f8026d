"""An evidence capture of the bundled demo site, from one real Chromium session: every artifact,
the WARC, the record, the provenance; `wacz validate` and `scraper verify` accept it."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pypdf import PdfReader
from warcio.archiveiterator import ArchiveIterator

from scraper.base.errors import JobFailed
from scraper.browser import BrowserSession
from scraper.browser.discovery import SYSTEM_CHROMIUMS
from scraper.cli import main
from scraper.config.settings import Settings, load_settings
from scraper.demo.site import DemoSite
from scraper.evidence.bundle import capture_evidence
from scraper.evidence.recording import Bundle, CaptureOptions
from scraper.model.record import Record
from scraper.pipeline.capture import capture
from scraper.store import open_db
from tests.evidence_util import rewrite_member
from tests.sites import BUILTIN_PROFILES
from tests.sites.replay import ReplaySite, info_panel, player_verification, signature_panel

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = pytest.mark.browser
FILES = ("screenshot.png", "page.pdf", "dom.html", "page.mhtml", "page.har", "record.json",
         "provenance.json")


@dataclass(frozen=True)
class Demo:
    bundle: Bundle
    plain: Record
    home: Path
    url: str


@pytest.fixture(scope="module")
def demo(chromium: BrowserSession, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """One evidence capture of the seed page, and a plain capture of it, in one module home.
    The site is gone once they are taken: the bundle alone must hold the page."""
    home = tmp_path_factory.mktemp("evidence-home")
    with pytest.MonkeyPatch.context() as mp, DemoSite() as site:
        mp.setenv("SCRAPER_HOME", str(home))
        settings = load_settings()
        engine = open_db(settings)
        try:
            bundle = capture_evidence(site.article_url, settings=settings, engine=engine,
                                      options=CaptureOptions(case="lavrov", note="the seed page"),
                                      session=chromium)
        finally:
            engine.dispose()
        plain = capture(site.article_url, session=chromium)
        url = site.article_url
    return Demo(bundle, plain, home, url)


def member(bundle: Bundle, name: str) -> bytes:
    with zipfile.ZipFile(bundle.wacz) as archive:
        return archive.read(name)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_every_artifact_is_there_and_not_empty(demo: Demo) -> None:
    folder = demo.bundle.folder
    assert folder.parent == demo.home / "captures"
    assert folder.name.endswith("-127.0.0.1")
    for name in FILES:
        assert (folder / name).stat().st_size > 0, name
        assert member(demo.bundle, "evidence/" + name) == (folder / name).read_bytes()
    assert demo.bundle.wacz == folder / f"{folder.name}.wacz"
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".staging")]
    assert all(a["made"] for a in demo.bundle.provenance["artifacts"])


def test_the_screenshot_is_a_png_of_the_full_page(demo: Demo) -> None:
    width, height = png_size(demo.bundle.folder / "screenshot.png")
    page = demo.bundle.provenance["page_size"]
    viewport = demo.bundle.provenance["viewport"]
    assert (width, height) == (viewport["width"], page["height"])
    assert height > viewport["height"]  # the whole page, not the window


def test_the_pdf_opens_and_holds_the_page(demo: Demo) -> None:
    reader = PdfReader(demo.bundle.folder / "page.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 1
    assert "Lavrov" in text and "daveyone1" in text  # drawn by JavaScript, so taken when ready
    # The address and the capture time (UTC) on every page, as on a court exhibit.
    for page in reader.pages:
        lines = page.extract_text()
        assert demo.url in lines, lines[:300]
        assert re.search(r"captured \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(UTC\)", lines), lines[-300:]


def test_every_pdf_page_names_the_address_and_the_capture_time(demo: Demo) -> None:
    """As a court exhibit: each printed page carries the URL, the capture time (UTC) and its number."""
    reader = PdfReader(demo.bundle.folder / "page.pdf")
    captured = json.loads((demo.bundle.folder / "record.json").read_text(encoding="utf-8"))["fetched_at"]
    assert len(reader.pages) >= 2  # the article and its thread do not fit on one page
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert demo.url in text
        assert f"captured {captured} (UTC) · page {number} of {len(reader.pages)}" in text


def test_dom_and_mhtml_are_the_rendered_page(demo: Demo) -> None:
    dom = (demo.bundle.folder / "dom.html").read_text(encoding="utf-8")
    assert 'id="comment-4521"' in dom and "daveyone1" in dom
    assert "daveyone1" in (demo.bundle.folder / "page.mhtml").read_text(encoding="utf-8")
    har = json.loads((demo.bundle.folder / "page.har").read_text(encoding="utf-8"))
    assert any("/api/comments.json" in e["request"]["url"] for e in har["log"]["entries"])


def test_the_warc_holds_the_comments_endpoint_response(demo: Demo) -> None:
    responses: dict[str, Any] = {}
    requests = set()
    for record in ArchiveIterator(io.BytesIO(member(demo.bundle, "archive/data.warc.gz"))):
        url = record.rec_headers.get_header("WARC-Target-URI")
        if record.rec_type == "response":
            responses[url] = (record.http_headers.get_statuscode(), record.content_stream().read(),
                              record.rec_headers.get_header("WARC-IP-Address"))
        elif record.rec_type == "request":
            requests.add(url)
    comments_url = next(u for u in responses if "/api/comments.json" in u)
    status, body, address = responses[comments_url]
    assert (status, address) == ("200", "127.0.0.1")
    data = json.loads(body)
    assert [c["author"] for c in data["comments"]] == ["daveyone1"]
    assert demo.url in responses and "<html" in responses[demo.url][1].decode().lower()
    assert set(responses) <= requests
    assert demo.bundle.provenance["network"]["exchanges"] == len(responses)
    index = member(demo.bundle, "indexes/index.cdx").decode()
    assert "/api/comments.json?thread=article" in index


def test_the_record_equals_the_plain_capture(demo: Demo) -> None:
    kept = json.loads((demo.bundle.folder / "record.json").read_text(encoding="utf-8"))
    plain = demo.plain.to_dict()
    assert {**kept, "fetched_at": None} == {**plain, "fetched_at": None}
    assert kept == demo.bundle.record.to_dict()


def test_the_provenance_states_the_facts(demo: Demo) -> None:
    p = demo.bundle.provenance
    assert p["started_at"] <= p["ended_at"]
    assert (p["case"], p["note"]) == ("lavrov", "the seed page")
    assert p["requested_url"] == p["final_url"] == demo.url and p["redirects"] == []
    assert p["response"]["status"] == 200
    assert ["Server", "nginx"] in p["response"]["headers"]
    assert p["response"]["server"]["ip"] == "127.0.0.1"
    assert p["tls"] is None  # plain http
    assert p["software"]["scraper"] and p["software"]["playwright"]
    assert p["browser"]["version"] and "Chrome" in p["user_agent"]
    assert p["viewport"] == {"width": 1280, "height": 720}
    wordpress = BUILTIN_PROFILES / "wordpress.yaml"
    assert p["profile"]["name"] == "wordpress"
    assert p["profile"]["sha256"] == hashlib.sha256(wordpress.read_bytes()).hexdigest()
    assert p["options"]["blocked"] == []  # evidence keeps every resource
    assert p["record"]["content_hash"] == demo.bundle.record.content_hash()


def test_wacz_validate_and_scraper_verify_pass(demo: Demo, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    result = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(demo.bundle.wacz)],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "Validation succeeded" in result.stdout, result.stdout
    monkeypatch.setenv("SCRAPER_HOME", str(demo.home))
    for target in (demo.bundle.folder, demo.bundle.wacz):
        assert main(["verify", str(target)]) == 0
        out = capsys.readouterr().out
        assert "FAILED" not in out and "verified:" in out
        assert "this installation's key" in out
        assert "not timestamped" in out  # no TSA here: said, not failed
    assert main(["verify", str(demo.bundle.folder), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["key_fingerprint"] == demo.bundle.key_fingerprint
    assert len(report["checks"]) >= 2 * len(FILES) + 5


def test_a_tampered_real_bundle_fails_verify_naming_the_file(
    demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / demo.bundle.folder.name
    shutil.copytree(demo.bundle.folder, copy)
    rewrite_member(copy / demo.bundle.wacz.name, "archive/data.warc.gz", at=100)
    assert main(["verify", str(copy)]) == 1
    captured = capsys.readouterr()
    assert "FAILED archive/data.warc.gz" in captured.out
    assert "archive/data.warc.gz" in captured.err


def test_captures_lists_it_by_case(demo: Demo, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPER_HOME", str(demo.home))
    assert main(["captures", "--case", "lavrov", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1
    row = rows[0]
    assert (row["url"], row["case"], row["check_id"]) == (demo.url, "lavrov", None)
    assert row["path"] == str(demo.bundle.folder) and row["package_hash"] == demo.bundle.package_hash
    assert hashlib.sha256(demo.bundle.wacz.read_bytes()).hexdigest() == row["package_hash"]
    assert main(["captures", "--case", "other", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["captures"]) == 0
    assert "lavrov" in capsys.readouterr().out


@pytest.mark.timeout(240)  # the replay's own deadline (180 s) speaks first, naming the frames
def test_it_replays_in_replaywebpage_with_the_site_gone(
    demo: Demo, tmp_path: Path, settings: Settings
) -> None:
    """ReplayWeb.page's own viewer and service worker load the .wacz over HTTP and draw the page;
    its comment comes from the archived JSON endpoint, as the live site is no longer there.
    In a full Chromium, as a person replays a bundle: the headless shell scraper prefers for its
    own pages does not run the player."""
    full = next(filter(None, map(shutil.which, SYSTEM_CHROMIUMS)), None)
    assert full is not None, "the tests need a full Chromium (bootstrap installs one)"

    frames: list[str] = []  # what the page held at the last look: said if the deadline passes

    async def replay(browser: Browser) -> str:
        context = await browser.new_context()  # service workers allowed: the player is one
        try:
            page = await context.new_page()
            await site.open_player(page)  # its worker active first (see tests/sites/replay.py)
            while True:  # bounded by the job's deadline
                frames[:] = [frame.url for frame in page.frames]
                for frame in page.frames:
                    if "/replay/w/" in frame.url and "mp_/" in frame.url:
                        html = await frame.content()
                        # Drawn by the page's script from the archived comments endpoint.
                        if 'id="comment-4521"' in html and "Reblogged this on" in html:
                            return frame.url
                await page.wait_for_timeout(250)
        finally:
            await context.close()

    with ReplaySite(tmp_path / "replay", demo.bundle.wacz, demo.url) as site, \
            BrowserSession(replace(settings, browser_path=full)) as chromium:
        try:
            frame_url = chromium.run(replay, 180)  # ~8 s on a quiet machine; generous for a loaded one
        except JobFailed as exc:
            pytest.fail(f"{exc}; the page's frames: {frames}")
    assert frame_url.endswith("mp_/" + demo.url)


@pytest.mark.timeout(240)
def test_replaywebpage_takes_the_signature_and_shows_its_key(
    demo: Demo, tmp_path: Path, settings: Settings
) -> None:
    """ReplayWeb.page imports an anonymous signature's key as P-384 only (a P-256 key fails the
    import and the bundle shows as unsigned): in its own page, the check it makes holds for our
    signature and fails for another hash, the player records that it held, and its "web archive"
    panel shows our public key. The panel's "N invalid" are hashes the player never computed (see
    docs/evidence.md): it noted ours for pages.jsonl and index.cdx and left them unchecked."""
    full = next(filter(None, map(shutil.which, SYSTEM_CHROMIUMS)), None)
    assert full is not None, "the tests need a full Chromium (bootstrap installs one)"
    signed = json.loads(member(demo.bundle, "datapackage-digest.json"))["signedData"]
    resources = json.loads(member(demo.bundle, "datapackage.json"))["resources"]
    shot = tmp_path / "replay-signature.png"

    async def look(browser: Browser) -> tuple[tuple[str, str, str], dict[str, dict[str, Any]]]:
        context = await browser.new_context(viewport={"width": 1100, "height": 760})
        try:
            page = await context.new_page()
            return await signature_panel(site, page, signed, shot), await player_verification(page)
        finally:
            await context.close()

    with ReplaySite(tmp_path / "replay", demo.bundle.wacz, demo.url, embed="replay-with-info") as site, \
            BrowserSession(replace(settings, browser_path=full)) as chromium:
        (verdict, tampered, panel), noted = chromium.run(look, 180)
    assert (verdict, tampered) == ("verified", "does not match")
    # The panel counts any "signature" entry as verified, a failed one too: only this says it held.
    assert noted["signature"] == {"expected": True, "matched": True}, noted
    # File entries carry the archive's name ("default"). With the player's hash check on
    # (`useHashCheck=1`, which the embed never sets) datapackage.json would be among them, checked
    # against the digest; it is not: no file was hashed. The two left are the hashes it copied from
    # our datapackage.json with matched=false, which its panel counts as invalid.
    files = {key.removeprefix("default"): entry for key, entry in noted.items()
             if key.startswith("default")}
    assert files == {r["path"]: {"expected": r["hash"], "matched": False} for r in resources
                     if r["path"] in ("pages/pages.jsonl", "indexes/index.cdx")}, files
    assert "Validation:\n\n1 hashes verified, 2 invalid" in panel
    assert f"Observer Public Key:\n\n{signed['publicKey']}" in panel
    assert "Created With:\n\nscraper" in panel
    assert png_size(shot) == (1100, 760)


@pytest.mark.timeout(240)
def test_replaywebpage_counts_py_waczs_own_package_the_same(
    demo: Demo, tmp_path: Path, settings: Settings
) -> None:
    """The "2 invalid" are the player's, not our writer's: py-wacz's own package of our WARC,
    unsigned, shows the same line, for the same reason (its pages.jsonl and index.idx hashes noted,
    never computed), and the missing signature counts as the "1 verified"."""
    full = next(filter(None, map(shutil.which, SYSTEM_CHROMIUMS)), None)
    assert full is not None, "the tests need a full Chromium (bootstrap installs one)"
    warc = tmp_path / "data.warc.gz"
    warc.write_bytes(member(demo.bundle, "archive/data.warc.gz"))
    theirs = tmp_path / "py-wacz.wacz"
    made = subprocess.run([sys.executable, "-m", "wacz", "create", "-o", str(theirs), str(warc),
                           "--detect-pages"], capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stdout + made.stderr
    with zipfile.ZipFile(theirs) as archive:
        resources = json.loads(archive.read("datapackage.json"))["resources"]

    async def look(browser: Browser) -> tuple[str, dict[str, dict[str, Any]]]:
        context = await browser.new_context(viewport={"width": 1100, "height": 760})
        try:
            page = await context.new_page()
            await site.open_player(page)
            return await info_panel(page, "Validation:"), await player_verification(page)
        finally:
            await context.close()

    with ReplaySite(tmp_path / "replay", theirs, demo.url, embed="replay-with-info") as site, \
            BrowserSession(replace(settings, browser_path=full)) as chromium:
        panel, noted = chromium.run(look, 180)
    assert noted["signature"] == {"expected": "", "matched": False}, noted  # no signature at all
    files = {key.removeprefix("default"): entry for key, entry in noted.items()
             if key.startswith("default")}
    assert files == {r["path"]: {"expected": r["hash"], "matched": False} for r in resources
                     if r["path"] in ("pages/pages.jsonl", "indexes/index.idx")}, files
    assert "Validation:\n\n1 hashes verified, 2 invalid" in panel
