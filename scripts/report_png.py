"""Make docs/report.png: the HTML part of a real change report, as Chromium draws it.

Everything is the project's own: the bundled demo site changes (a new comment with a reply, an
edited comment, a removed one, an edited paragraph), two real checks store the changes, and the
report is rendered from the store exactly as it would be sent, then photographed by the project's
browser session. With `--screenshots` the watch keeps pictures of the changed items, shown
inline as an email shows them (docs/report-pictures.png).

    .venv/bin/python scripts/report_png.py [--dark] [--output docs/report.png]
    .venv/bin/python scripts/report_png.py --screenshots --output docs/report-pictures.png
"""

from __future__ import annotations

import argparse
import base64
import tempfile
from pathlib import Path

from playwright.async_api import Browser
from sqlmodel import Session

from scraper import store
from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.demo import seed
from scraper.demo.site import DemoSite
from scraper.evidence.on_change import check_hook
from scraper.pipeline.check import run_check
from scraper.reports.delivery import pictures
from scraper.reports.preview import check_report
from scraper.reports.render import Rendered, render
from scraper.watches.operations import WatchSpec, add_watch

REPO = Path(__file__).resolve().parents[1]
WIDTH = 720


def report_html(screenshots: bool = False) -> str:
    settings = load_settings()
    with tempfile.TemporaryDirectory() as home, DemoSite() as site, BrowserSession(settings) as browser:
        engine = store.open_store(f"sqlite:///{home}/scraper.db", auto_upgrade=True)
        site.add_comment("Sam", "Ceasefires in Aleppo never last more than a day or two.")
        watch = add_watch(engine, WatchSpec(url=site.article_url, name="lavrov",
                                            screenshots=screenshots), settings)
        assert watch.id is not None
        hook = check_hook(settings, engine)
        run_check(engine, watch.id, browser, hook=hook)
        new = site.add_comment("Maria K.", "The truce in Aleppo is already fraying, according to "
                                           "local reports.\n\nAid convoys are still waiting at the border.")
        site.add_comment("daveyone1", "Thanks Maria: do you have a source for that?", parent_id=new)
        site.edit_comment("4521", "Reblogged this on World Peace Forum and on Peace News.")
        site.delete_comment("4550")
        site.edit_paragraph(1, seed.PARAGRAPHS[1].replace("an official visit", "a two-day visit"))
        result = run_check(engine, watch.id, browser, hook=hook)
        with Session(engine) as session:
            report = check_report(session, store.get_watch(session, "lavrov"), result.check.id)
        rendered = render(report, settings.mail.templates, pictures=pictures(engine, report))
        engine.dispose()
    return inline(rendered)


def inline(rendered: Rendered) -> str:
    """The HTML with its cid: pictures as data: URLs, as a mail client shows the attachments."""
    html = rendered.html
    for picture in rendered.pictures:
        data = base64.b64encode(picture.content).decode("ascii")
        html = html.replace(f"cid:{picture.cid}", f"data:{picture.media_type};base64,{data}")
    return html


def screenshot(html: str, output: Path, dark: bool) -> None:
    async def job(browser: Browser) -> None:
        page = await browser.new_page(viewport={"width": WIDTH, "height": 600}, device_scale_factor=1,
                                      color_scheme="dark" if dark else "light")
        try:
            await page.set_content(html)
            await page.screenshot(path=str(output), full_page=True)
        finally:
            await page.context.close()

    with BrowserSession(load_settings()) as browser:
        browser.run(job, 60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "report.png")
    parser.add_argument("--dark", action="store_true", help="prefers-color-scheme: dark")
    parser.add_argument("--screenshots", action="store_true",
                        help="a watch with --screenshots: the changed items' pictures inline")
    args = parser.parse_args()
    screenshot(report_html(args.screenshots), args.output, args.dark)
    print(args.output)


if __name__ == "__main__":
    main()
