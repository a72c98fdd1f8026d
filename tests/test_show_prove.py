"""Show it and prove it (issue 24) end to end: a watch with `--screenshots --evidence-on-change`
on the demo site, checked in the real Chromium, its report sent to a real SMTP server; each
picture in the email is compared with a screenshot of the comment's own element."""

from __future__ import annotations

import io
from collections.abc import Callable
from email.message import EmailMessage

import lxml.html
import pytest
from PIL import Image, ImageChops, ImageStat
from playwright.async_api import Browser
from sqlalchemy import Engine
from sqlmodel import Session

from scraper import store
from scraper.browser import BrowserSession
from scraper.cli import main
from scraper.config.settings import load_settings
from scraper.demo.site import DemoSite
from scraper.evidence.on_change import check_hook
from scraper.pipeline.check import run_check
from scraper.reports.delivery import deliver
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
    after = element_shots(chromium, demo_site.article_url, ["4551", "4521"])
    result = run_check(local_engine, 1, chromium, hook=hook)
    assert [c.kind for c in result.changes] == ["comment_removed", "comment_edited", "comment_added"]
    assert [o.status for o in deliver(local_engine, load_settings())] == ["sent"]

    (email,) = smtp_server.wait_for(1)
    message = email.message
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None
    assert "3 pictures of the changed items as the page showed them attached" in text.get_content()
    doc = lxml.html.fromstring(html.get_content())
    pictures = pictures_of(message)
    assert len(pictures) == 3, "one picture per changed comment"
    # Each picture sits in its comment's block and shows that comment, not another one.
    expected = {"removed": ("4550", before["4550"], after["4551"]),
                "edited": ("4521", after["4521"], before["4521"]),
                "added": ("4551", after["4551"], after["4521"])}
    with Session(local_engine) as session:
        crops = store.crops_for_checks(session, [result.check.id or 0])[result.check.id or 0]
    assert sorted(crops) == ["comment:4521", "comment:4550", "comment:4551"]
    for kind, (comment_id, right, wrong) in expected.items():
        (block,) = doc.find_class(kind)
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


def picture_bytes(engine: Engine, digest: str) -> bytes:
    with Session(engine) as session:
        crop = store.get_crop(session, digest)
        assert crop is not None
        return crop.content
