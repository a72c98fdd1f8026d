"""Show it and prove it (issue 24) end to end: a watch with `--screenshots --evidence-on-change`
on the demo site, checked in the real Chromium, its report sent to a real SMTP server; each
picture in the email is compared with a screenshot of the comment's own element."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import httpx
import lxml.html
import pytest
from PIL import Image, ImageChops, ImageStat
from playwright.async_api import Browser
from sqlalchemy import Engine
from sqlmodel import Session, select

from scraper import store
from scraper.browser import BrowserSession
from scraper.cli import main
from scraper.config.settings import load_settings
from scraper.demo import seed
from scraper.demo.site import DemoSite
from scraper.evidence.crops import ItemPictures, Screenshots
from scraper.evidence.on_change import check_hook
from scraper.evidence.proof import check_proof_file
from scraper.pipeline.check import run_check
from scraper.reports.delivery import deliver
from scraper.store import Capture, CheckCrop, Crop, Screen, Watch
from tests.fixtures.pages import REPO
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.tsa import Tsa
from tests.fixtures.web import Dashboard

pytestmark = pytest.mark.browser

DEADLINE = 60.0
EDITED = "Reblogged this on World Peace Forum and on Peace News."
# The share of pixels where a picture of the comment and a screenshot of its element, scaled
# alike, differ clearly (by more than INK of 255 in grey): the same comment stays under SAME,
# another comment (other words in the same layout) does not.
INK = 96
SAME = 0.005


def element_shots(chromium: BrowserSession, url: str, ids: list[str]) -> dict[str, Image.Image]:
    """Screenshots of the comments' items (`li#li-comment-ID`), as the test's own page draws them."""
    async def job(browser: Browser) -> dict[str, bytes]:
        page = await browser.new_page()
        try:
            await page.goto(url)
            return {i: await page.locator(f"#li-comment-{i}").screenshot() for i in ids}
        finally:
            await page.context.close()

    return {i: Image.open(io.BytesIO(png)).convert("RGB")
            for i, png in chromium.run(job, DEADLINE).items()}


def difference(picture: Image.Image, box: list[int], element: Image.Image) -> float:
    """How far the item's place in the picture is from the element's screenshot (scaled to it)."""
    left, top, width, height = box
    part = picture.convert("L").crop((left, top, left + width, top + height))
    scaled = element.convert("L").resize((width, height), Image.Resampling.LANCZOS)
    ink = ImageChops.difference(part, scaled).point(lambda v: 255 if v > INK else 0)
    return float(ImageStat.Stat(ink).mean[0]) / 255


def pictures_of(message: EmailMessage) -> dict[str, Image.Image]:
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "image":
            cid = str(part["Content-ID"]).strip("<>")
            found[cid] = Image.open(io.BytesIO(part.get_payload(decode=True)))
    return found


@pytest.mark.timeout(300)
def test_a_report_shows_each_changed_comment_as_the_page_drew_it(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite, smtp_server: SmtpServer,
    dashboard_with: Callable[..., Dashboard], monkeypatch: pytest.MonkeyPatch, tsa: Tsa,
) -> None:
    monkeypatch.setenv("SCRAPER_TSA_URL", tsa.url)
    demo_site.add_comment("Sam", "This one will be deleted.")  # 4550
    before = element_shots(chromium, demo_site.article_url, ["4550", "4521"])
    assert main(["watch", "add", demo_site.article_url, "--name", "lavrov", "--email",
                 "desk@example.org", "--screenshots", "--evidence-on-change"]) == 0
    hook = check_hook(load_settings(), local_engine)  # as the CLI, the dashboard and the daemon
    assert run_check(local_engine, 1, chromium, hook=hook).baseline

    demo_site.add_comment("Ann", "The truce will not hold.")  # 4551
    demo_site.edit_comment("4521", EDITED)
    demo_site.delete_comment("4550")
    demo_site.edit_paragraph(1, seed.PARAGRAPHS[1].replace("an official visit", "a two-day visit"))
    after = element_shots(chromium, demo_site.article_url, ["4551", "4521"])
    result = run_check(local_engine, 1, chromium, hook=hook)
    assert [c.kind for c in result.changes] == [
        "article_edited", "comment_removed", "comment_edited", "comment_added"]
    assert [o.status for o in deliver(local_engine, load_settings())] == ["sent"]

    (email,) = smtp_server.wait_for(1)
    message = email.message
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None
    plain = str(text.get_content())
    assert "4 pictures of the changed items as the page showed them attached" in plain
    # Removed and edited comments say where their proof is (no dashboard URL set: the command).
    assert plain.count("Proof: scraper proof lavrov ") == 2
    assert "Proof: scraper proof lavrov 4550" in plain and "Proof: scraper proof lavrov 4521" in plain
    doc = lxml.html.fromstring(html.get_content())
    pictures = pictures_of(message)
    assert len(pictures) == 4, "one picture per changed comment, one for the paragraph"
    (paragraph,) = doc.find_class("edited")[-1].iter("img")  # the profile's XPath, in the page
    assert str(paragraph.get("src")).removeprefix("cid:") in pictures
    # Each picture sits in its comment's block and shows that comment, not another one.
    expected = {"removed": ("4550", before["4550"], after["4551"]),
                "edited": ("4521", after["4521"], before["4521"]),
                "added": ("4551", after["4551"], after["4521"])}
    with Session(local_engine) as session:
        crops = store.crops_for_checks(session, [result.check.id or 0])[result.check.id or 0]
    assert sorted(crops) == ["comment:4521", "comment:4550", "comment:4551", "paragraph:3"]
    for kind, (comment_id, right, wrong) in expected.items():
        block = doc.find_class(kind)[0]
        (img,) = block.iter("img")
        cid = str(img.get("src")).removeprefix("cid:")
        crop = crops[f"comment:{comment_id}"]
        assert cid.startswith(crop.crop_hash[:24]), f"the {kind} comment shows another picture"
        picture = pictures[cid]
        assert picture.width <= 600
        near, far = difference(picture, crop.box, right), difference(picture, crop.box, wrong)
        assert near < SAME < far, f"comment {comment_id} ({kind}): {near:.3f} vs {far:.3f}"

    # The dashboard's change list, the API and the feed show the same pictures, to a login or
    # a token only.
    dashboard = dashboard_with(SCRAPER_ADMIN_PASSWORD="correct horse battery")
    api = dashboard.api()
    listed = api.get("/watches/lavrov/changes").raise_for_status().json()["items"]
    shown = {row["picture"] for row in listed if row["picture"]}
    assert shown == {c.crop_hash for c in crops.values()}
    digest = crops["comment:4551"].crop_hash
    got = api.get(f"{dashboard.base_url}/pictures/{digest}").raise_for_status()
    assert got.headers["content-type"] == "image/png" and got.content == picture_bytes(local_engine, digest)
    refused = dashboard.api(None).get(f"{dashboard.base_url}/pictures/{digest}")
    assert refused.status_code == 303 and "/login" in refused.headers["location"]  # to log in
    feed = api.get(f"{dashboard.base_url}/feeds/watches/lavrov.atom").raise_for_status().text
    assert f"/pictures/{digest}" in feed
    # The proof of the removed comment, through the API: the baseline's bundle, then the check's.
    proof = api.get("/watches/lavrov/proof/4550").raise_for_status().json()
    assert [(f["event"], f["check_id"], f["verified"]) for f in proof["facts"]] == [
        ("first_seen", 1, True), ("gone", result.check.id, True)]

    # The pictures go with their checks; the bundles stay (unlinked), as evidence does.
    assert main(["watch", "remove", "lavrov", "--yes"]) == 0
    with Session(local_engine) as session:
        assert [len(session.exec(select(table)).all()) for table in (Crop, CheckCrop, Screen)] == [0, 0, 0]
        assert len(session.exec(select(Capture)).all()) == 2


def picture_bytes(engine: Engine, digest: str) -> bytes:
    with Session(engine) as session:
        crop = store.get_crop(session, digest)
        assert crop is not None
        return crop.content


class KeptPictures:
    """The pictures' check hook, keeping the artifacts it made (what their render saw)."""

    def __init__(self, engine: Engine) -> None:
        self.hook = Screenshots(engine)
        self.made: list[ItemPictures] = []

    def artifact(self, watch: Watch) -> ItemPictures | None:
        artifact = self.hook.artifact(watch)
        self.made.extend([artifact] if artifact else [])
        return artifact


def flip_byte(path: Path) -> bytes:
    """Change one byte of the file in the middle; its old content."""
    data = path.read_bytes()
    middle = len(data) // 2
    path.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:])
    return data


@pytest.mark.timeout(300)
def test_proof_names_the_bundle_that_shows_a_removed_comment_and_the_one_without_it(
    local_engine: Engine, chromium: BrowserSession, demo_site: DemoSite, tsa: Tsa,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    dashboard: Dashboard,
) -> None:
    monkeypatch.setenv("SCRAPER_TSA_URL", tsa.url)
    demo_site.add_comment("Sam", "This one will be deleted.")  # 4550
    assert main(["watch", "add", demo_site.article_url, "--name", "lavrov",
                 "--screenshots", "--evidence-on-change"]) == 0
    hook = check_hook(load_settings(), local_engine)
    baseline = run_check(local_engine, 1, chromium, hook=hook)
    assert baseline.baseline and baseline.evidence is not None  # the baseline keeps a bundle
    kept = KeptPictures(local_engine)
    unchanged = run_check(local_engine, 1, chromium, hook=kept)
    assert not unchanged.changes
    # The page drew the texts the last picture shows: no screenshot was taken.
    (artifact,) = kept.made
    assert artifact.shots.signature is not None and artifact.shots.signature == artifact.shots.known
    with Session(local_engine) as session:
        # No crop without changes; the watch's last picture is still the baseline's.
        assert store.crops_for_checks(session, [baseline.check.id or 0, unchanged.check.id or 0]) == {}
        screen = store.last_screen(session, 1)
        assert screen is not None and screen.check_id == baseline.check.id
    demo_site.add_comment("Ann", "Unrelated.")
    assert run_check(local_engine, 1, chromium, hook=hook).evidence is not None
    demo_site.edit_comment("4550", "This one will be edited, then deleted.")
    edit = run_check(local_engine, 1, chromium, hook=hook)
    assert edit.evidence is not None
    demo_site.delete_comment("4550")
    removal = run_check(local_engine, 1, chromium, hook=hook)
    assert [c.kind for c in removal.changes] == ["comment_removed"] and removal.evidence is not None
    capsys.readouterr()

    assert main(["proof", "lavrov", "4550", "--json"]) == 0
    proof = json.loads(capsys.readouterr().out)
    assert proof["ok"] is True
    facts = [(f["event"], f["check_id"], Path(f["bundle"]), f["verified"], f["text"])
             for f in proof["facts"]]
    assert facts == [
        ("first_seen", baseline.check.id, baseline.evidence, True, "This one will be deleted."),
        ("text_changed", edit.check.id, edit.evidence, True, "This one will be edited, then deleted."),
        ("gone", removal.check.id, removal.evidence, True, None),
    ]  # the check that added another comment shows it unchanged: not a fact of its own
    assert "This one will be deleted." in (baseline.evidence / "dom.html").read_text()
    assert "This one will be deleted." not in (removal.evidence / "dom.html").read_text()
    assert "Unrelated." in (removal.evidence / "dom.html").read_text()  # the page was read whole

    # The dashboard: the removal check links its comment's proof and shows its picture; the
    # proof page lists the same facts.
    pages = httpx.Client(base_url=dashboard.base_url, timeout=60)
    check_page = lxml.html.fromstring(pages.get(f"/watches/1/checks/{removal.check.id}").text)
    (link,) = check_page.find_class("proof")
    assert link.get("href") == "/watches/1/proof/4550"
    (shot,) = check_page.find_class("shot")
    assert pages.get(str(shot.get("src"))).headers["content-type"] == "image/png"
    shown = lxml.html.fromstring(pages.get("/watches/1/proof/4550").text)
    assert [e.text_content() for e in shown.find_class("tag")] == ["first seen", "text changed", "gone"]
    assert str(removal.evidence) in shown.text_content()
    pages.close()

    # Handed over: both bundles and a signed summary.
    exhibit = tmp_path / "exhibit"
    assert main(["proof", "lavrov", "4550", "--export", str(exhibit)]) == 0
    summary_path = exhibit / "proof.json"
    summary = json.loads(summary_path.read_text())
    assert sorted(p.name for p in exhibit.iterdir()) == sorted(
        ["proof.json", baseline.evidence.name, edit.evidence.name, removal.evidence.name])
    assert [(f["event"], f["bundle"]) for f in summary["facts"]] == [
        ("first_seen", baseline.evidence.name), ("text_changed", edit.evidence.name),
        ("gone", removal.evidence.name)]
    assert check_proof_file(summary_path)
    assert main(["verify", str(exhibit / baseline.evidence.name)]) == 0
    summary["facts"][2]["event"] = "text_changed"  # a changed fact breaks the signature
    summary_path.write_text(json.dumps(summary))
    assert not check_proof_file(summary_path)
    assert main(["proof", "lavrov", "4550", "--export", str(exhibit)]) == 2  # not empty: refused
    capsys.readouterr()

    # One changed byte in either bundle: the proof says which, and fails.
    for bundle in (baseline.evidence, removal.evidence):
        dom = bundle / "dom.html"
        original = flip_byte(dom)
        assert main(["proof", "lavrov", "4550"]) == 1
        captured = capsys.readouterr()
        assert "FAILED dom.html" in captured.out and str(bundle) in captured.err
        dom.write_bytes(original)
        wacz = next(bundle.glob("*.wacz"))
        original = flip_byte(wacz)
        assert main(["proof", "lavrov", "4550", "--json"]) == 1
        failed = [f for f in json.loads(capsys.readouterr().out)["facts"] if not f["verified"]]
        assert [Path(f["bundle"]) for f in failed] == [bundle]
        wacz.write_bytes(original)
    assert main(["proof", "lavrov", "4550"]) == 0


def test_the_readme_picture_of_a_report_with_pictures_is_made_by_the_project(tmp_path: Path) -> None:
    """scripts/report_png.py --screenshots: the demo site, real checks, the report rendered from
    the store with its pictures, photographed by the project's browser."""
    output = tmp_path / "report-pictures.png"
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "report_png.py"), "--screenshots",
                           "--output", str(output)], capture_output=True, text=True, timeout=600,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr
    with Image.open(output) as with_pictures, Image.open(REPO / "docs" / "report.png") as without:
        assert with_pictures.width == without.width == 720
        # The same report, taller by its five pictures (each at least 100 pixels high).
        assert with_pictures.height > without.height + 5 * 100
