"""Make docs/evidence-replay.png: ReplayWeb.page showing one of our bundles with its signing key.

The project's own parts: an evidence capture of the bundled demo site (signed with a fresh P-384
key in a temporary home), ReplayWeb.page's viewer and service worker (tests/sites/replaywebpage)
served on loopback, a full Chromium; the player's "web archive" panel is opened and photographed.
It fails unless the check ReplayWeb.page makes of the signature holds in that browser and the
player records that it held.

    .venv/bin/python scripts/replay_signature_png.py [--output docs/evidence-replay.png]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.sites.replay: the player's loopback site

from playwright.async_api import Browser  # noqa: E402

from scraper.browser import BrowserSession  # noqa: E402
from scraper.browser.discovery import SYSTEM_CHROMIUMS  # noqa: E402
from scraper.config.settings import load_settings  # noqa: E402
from scraper.demo.site import DemoSite  # noqa: E402
from scraper.evidence.bundle import capture_evidence  # noqa: E402
from scraper.evidence.recording import CaptureOptions  # noqa: E402
from scraper.store import open_db  # noqa: E402
from tests.sites.replay import ReplaySite, player_verification, signature_panel  # noqa: E402

SIZE = {"width": 1100, "height": 760}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "evidence-replay.png")
    args = parser.parse_args()
    full = next(filter(None, map(shutil.which, SYSTEM_CHROMIUMS)), None)
    if full is None:
        sys.exit("a full Chromium is needed (the player does not run in the headless shell)")
    with tempfile.TemporaryDirectory() as home:
        os.environ["SCRAPER_HOME"] = home
        settings = load_settings()
        engine = open_db(settings)
        with DemoSite() as site, BrowserSession(settings) as session:
            bundle = capture_evidence(site.article_url, settings=settings, engine=engine,
                                      options=CaptureOptions(case="demo"), session=session)
            url = site.article_url
        engine.dispose()
        with zipfile.ZipFile(bundle.wacz) as archive:
            signed = json.loads(archive.read("datapackage-digest.json"))["signedData"]

        async def look(browser: Browser) -> tuple[str, bool, str]:
            context = await browser.new_context(viewport=SIZE)  # type: ignore[arg-type]
            try:
                page = await context.new_page()
                verdict, _, panel = await signature_panel(player, page, signed, args.output)
                # The panel shows the key whether or not the check held: the player's record says.
                held = (await player_verification(page)).get("signature", {}).get("matched") is True
                return verdict, held, panel
            finally:
                await context.close()

        with ReplaySite(Path(home) / "replay", bundle.wacz, url, embed="replay-with-info") as player, \
                BrowserSession(replace(settings, browser_path=full)) as chromium:
            verdict, held, panel = chromium.run(look, 180)
    if verdict != "verified" or not held or signed["publicKey"] not in panel:
        sys.exit(f"ReplayWeb.page did not take the signature ({verdict})")
    print(f"wrote {args.output} (key sha256:{bundle.key_fingerprint})")


if __name__ == "__main__":
    main()
