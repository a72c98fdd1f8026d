"""ReplayWeb.page (tests/sites/replaywebpage) served on loopback with one .wacz to replay.

WACZ players read the package with HTTP range requests, which `http.server` does not answer; this
handler does (single ranges, as the player asks).

Open the player with `open_player`, not by going to `page_url`: the embed creates its frame as soon
as its service worker is *registered*, and the frame is only replayed once the worker is *active*.
The player reloads the frame three times, 100 ms apart, then gives up for good: the frame keeps the
static server's listing of replay/ and the comment never shows. On a busy machine (a full test run)
activating takes longer than that, so the replay test hung until its deadline in one full run in
two or three (issue 21). `open_player` makes the worker active first, as it is on every visit after
a person's first one.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import Page

PLAYER = Path(__file__).resolve().parent / "replaywebpage"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
# The worker exactly as the embed registers it (`swName` + "?serveIndex=1", scope `replaybase`): the
# same script URL, so the player's own registration finds it active and changes nothing.
WORKER, SCOPE = "./replay/sw.js?serveIndex=1", "./replay/"
ACTIVATE = """async ([worker, scope]) => {
  const registration = await navigator.serviceWorker.register(worker, {scope});
  const installed = registration.installing || registration.waiting || registration.active;
  while (installed.state !== "activated") {
    if (installed.state === "redundant") throw new Error("the player's service worker did not install");
    await new Promise(changed => installed.addEventListener("statechange", changed, {once: true}));
  }
}"""


class _RangeHandler(SimpleHTTPRequestHandler):
    def send_head(self) -> Any:
        path = self.translate_path(self.path)
        match = _RANGE.match(self.headers.get("Range") or "")
        if match is None or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        first, last = match.groups()
        start = int(first) if first else max(size - int(last or 0), 0)
        end = min(int(last), size - 1) if first and last else size - 1
        with open(path, "rb") as handle:
            handle.seek(start)
            data = handle.read(end - start + 1)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return BytesIO(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class ReplaySite:
    """A folder with the player, an embedding page for `wacz` at `url`, on a free port."""

    def __init__(self, folder: Path, wacz: Path, url: str, embed: str = "replayonly") -> None:
        (folder / "replay").mkdir(parents=True)
        shutil.copy(PLAYER / "ui.js", folder / "ui.js")
        shutil.copy(PLAYER / "sw.js", folder / "replay" / "sw.js")
        shutil.copy(wacz, folder / "capture.wacz")
        (folder / "index.html").write_text(
            '<!doctype html><html><head><script src="./ui.js"></script></head><body>'
            f'<replay-web-page style="display:block;height:800px" source="capture.wacz" url="{url}"'
            f' embed="{embed}"></replay-web-page></body></html>', encoding="utf-8")
        (folder / "blank.html").write_text("<!doctype html><title>blank</title>", encoding="utf-8")
        handler = partial(_RangeHandler, directory=str(folder))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="replay", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def page_url(self) -> str:
        return f"{self.base_url}/index.html"

    async def open_player(self, page: Page) -> None:
        """The player's page in `page`, its service worker active before it loads."""
        await page.goto(f"{self.base_url}/blank.html")
        await page.evaluate(ACTIVATE, [WORKER, SCOPE])
        await page.goto(self.page_url)

    def __enter__(self) -> ReplaySite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


# What ReplayWeb.page's service worker (wabac.js `loadDigestData`) does with an anonymous signature:
# import the public key as P-384 (and nothing else), verify ECDSA with SHA-256 over the hash text.
# A key on another curve fails the import, and the player then shows the bundle as unsigned.
CHECK_LIKE_REPLAYWEBPAGE = """async ({hash, signature, publicKey}) => {
  const bytes = text => Uint8Array.from(atob(text), c => c.charCodeAt(0));
  let key;
  try {
    key = await crypto.subtle.importKey("spki", bytes(publicKey), {name: "ECDSA", namedCurve: "P-384"},
                                        true, ["verify"]);
  } catch (e) { return "not a P-384 key: " + e.name; }
  const ok = await crypto.subtle.verify({name: "ECDSA", hash: "SHA-256"}, key, bytes(signature),
                                        new TextEncoder().encode(hash));
  return ok ? "verified" : "does not match";
}"""


async def signature_panel(site: ReplaySite, page: Page, signed: dict[str, Any],
                          screenshot: Path | None = None) -> tuple[str, str, str]:
    """Open the player (made with embed="replay-with-info") and its "web archive" panel: what this
    browser's WebCrypto says of `signed` checked as the player checks it, of the same signature
    over another hash, and the panel's text (its "Observer Public Key" is the bundle's key once
    the player has imported it). A screenshot of the open panel goes to `screenshot`."""
    await site.open_player(page)
    verdict = await page.evaluate(CHECK_LIKE_REPLAYWEBPAGE, signed)
    other = signed["hash"][:-1] + ("1" if signed["hash"].endswith("0") else "0")  # always another
    tampered = await page.evaluate(CHECK_LIKE_REPLAYWEBPAGE, {**signed, "hash": other})
    return verdict, tampered, await info_panel(page, "Observer Public Key:", screenshot)


async def info_panel(page: Page, until: str, screenshot: Path | None = None) -> str:
    """The text of the player's "web archive" panel (embed="replay-with-info") in `page`, opened
    and shown down to the line `until`."""
    while True:  # bounded by the caller's deadline: the player draws its frame when it is ready
        frames = [f for f in page.frames if await f.locator("button.embed-info").count()]
        if frames:
            break
        await page.wait_for_timeout(250)
    player = frames[0]
    await player.locator("button.embed-info").click()
    await player.get_by_text(until, exact=True).wait_for()
    panel = player.locator(".embed-info-drop")
    # The panel unfolds in a CSS transition: the picture is taken once it has finished.
    await panel.evaluate("e => Promise.all(e.parentElement.getAnimations().map(a => a.finished))")
    if screenshot is not None:
        await page.screenshot(path=str(screenshot))
    return await panel.inner_text()


# The player's own notes on a loaded WACZ: its service worker keeps one "verification" store per
# archive in IndexedDB (wabac.js `addVerifyData` / `getVerifyInfo`), read here from the page, which
# shares the worker's origin.
READ_VERIFICATION = """async () => {
  const found = {};
  for (const {name} of await indexedDB.databases()) {
    const db = await new Promise((ok, bad) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => ok(open.result);
      open.onerror = () => bad(open.error);
    });
    try {
      if (!db.objectStoreNames.contains("verification")) continue;
      const all = db.transaction("verification").objectStore("verification").getAll();
      for (const entry of await new Promise(ok => { all.onsuccess = () => ok(all.result); }))
        found[entry.id] = {expected: entry.expected, matched: entry.matched};
    } finally { db.close(); }
  }
  return found;
}"""


async def player_verification(page: Page) -> dict[str, dict[str, Any]]:
    """What the player recorded while loading the archive, by entry id: `{expected, matched}`."""
    found: dict[str, dict[str, Any]] = await page.evaluate(READ_VERIFICATION)
    return found
