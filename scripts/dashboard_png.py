"""Make docs/dashboard.png: the dashboard's page of a watch, as Chromium draws it.

Everything is the project's own: the bundled demo site, real checks through the dashboard's API on
a real uvicorn server (a few watches, one of them failing: its port is closed), then the site
changes (a new comment and a reply, an edited comment, an edited paragraph) and is checked again;
the project's browser session photographs the watch's page.

    .venv/bin/python scripts/dashboard_png.py [--output docs/dashboard.png] [--page list|watch|form]

(`--page form --output docs/watch-form.png`: the add form, in its groups.)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
from pathlib import Path

import httpx
import uvicorn
from playwright.async_api import Browser
from sqlmodel import Session

from scraper.browser import BrowserSession
from scraper.config.settings import load_settings
from scraper.demo import seed
from scraper.demo.site import DemoSite
from scraper.store import open_db
from scraper.store.tokens import create_token
from scraper.web.app import create_app
from scraper.web.server import bind, serve_in_thread

REPO = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 1360, 1000


def build(site: DemoSite, browser: BrowserSession) -> tuple[str, uvicorn.Server, threading.Thread]:
    settings = load_settings()
    engine = open_db(settings)
    with Session(engine) as session:
        _, token = create_token(session, "screenshot")
        session.commit()
    server, thread, base = serve_in_thread(create_app(settings, engine, browser=browser))
    closed = bind("127.0.0.1", 0)  # a port nobody listens on: the failing watch
    dead = f"http://127.0.0.1:{closed.getsockname()[1]}/2016/10/19/gone/"
    closed.close()
    with httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"},
                      timeout=120) as api:
        lavrov = api.post("/watches", json={"url": site.article_url, "name": "lavrov-aleppo", "every": "15m",
                                            "email": "desk@example.org", "tags": ["syria", "afp"]}).json()
        others = (("lazy-thread", site.lazy_url, "1h"), ("framed-widget", site.framed_url, "30m"),
                  ("old-blog", dead, "2h"))
        for name, url, every in others:
            created = api.post("/watches", json={"url": url, "name": name, "every": every,
                                                 "tags": ["demo"]}).json()
            for _ in range(3 if name == "old-blog" else 1):
                api.post(f"/watches/{created['id']}/check")
        api.post(f"/watches/{lavrov['id']}/check")
        new = site.add_comment("Maria K.", "The truce in Aleppo is already fraying, according to local "
                                           "reports.\n\nAid convoys are still waiting at the border.")
        site.add_comment("daveyone1", "Thanks Maria: do you have a source for that?", parent_id=new)
        site.edit_comment("4521", "Reblogged this on World Peace Forum and on Peace News.")
        site.edit_paragraph(1, seed.PARAGRAPHS[1].replace("an official visit", "a two-day visit"))
        api.post(f"/watches/{lavrov['id']}/check")
        api.post("/watches", json={"url": site.infinite_url, "name": "infinite-scroll", "cron": "0 6 * * *"})
    return f"{base}/watches/{lavrov['id']}", server, thread


def screenshot(browser: BrowserSession, url: str, output: Path) -> None:
    async def job(chromium: Browser) -> None:
        page = await chromium.new_page(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1)
        try:
            await page.goto(url)
            await page.screenshot(path=str(output), full_page=False)
        finally:
            await page.context.close()

    browser.run(job, 60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "dashboard.png")
    parser.add_argument("--page", choices=("watch", "list", "form"), default="watch")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, DemoSite() as site:
        os.environ["SCRAPER_HOME"] = home
        os.environ.pop("SCRAPER_DATABASE_URL", None)
        with BrowserSession(load_settings()) as browser:
            watch_url, server, thread = build(site, browser)
            base = watch_url.rsplit("/watches/", 1)[0]
            url = {"watch": watch_url, "list": base + "/", "form": base + "/watches/new"}[args.page]
            screenshot(browser, url, args.output)
            server.should_exit = True
            thread.join(timeout=30)
    print(args.output)


if __name__ == "__main__":
    main()
