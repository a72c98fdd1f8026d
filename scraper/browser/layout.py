"""The page as drawn, for the dashboard's profile builder: a screenshot, each element's box, and the
DOM those boxes belong to.

Each element that is drawn gets a number (`data-sb`) before the DOM is read, so a box found under a
click names one element of the HTML the builder reads, whatever a parser makes of that HTML. The
numbers are taken out again by whoever reads the HTML (`STAMP`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scraper.browser.recorder import Recorder
from scraper.model.page import PageContent

if TYPE_CHECKING:
    from playwright.async_api import Page

STAMP = "data-sb"
# A very long page is cut here: the builder needs the article and a few comments, not the footer
# of an endless scroll (and Chromium's own limit on a texture is 16,384 px).
MAX_HEIGHT = 12000

# Numbers every element with a box inside the picture; returns [number, x, y, width, height].
_STAMP_JS = """([stamp, maxHeight]) => {
  const boxes = [];
  let n = 0;
  for (const el of document.body ? document.body.querySelectorAll('*') : []) {
    if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(el.tagName)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    const x = r.left + window.scrollX, y = r.top + window.scrollY;
    if (y > maxHeight) continue;
    n += 1;
    el.setAttribute(stamp, String(n));
    boxes.push([n, Math.round(x), Math.round(y), Math.round(r.width), Math.round(r.height)]);
  }
  return boxes;
}"""


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int

    def holds(self, x: float, y: float) -> bool:
        return self.x <= x <= self.x + self.width and self.y <= y <= self.y + self.height


@dataclass
class Layout(Recorder):
    """Collects, once the page is ready and its actions ran: the boxes, the stamped DOM, and a
    screenshot of the page (full width, up to MAX_HEIGHT)."""

    boxes: dict[int, Box] = field(default_factory=dict)
    html: str = ""
    png: bytes = b""
    width: int = 0
    height: int = 0

    async def collect(self, page: Page, content: PageContent) -> None:
        found = await page.evaluate(_STAMP_JS, [STAMP, MAX_HEIGHT])
        self.boxes = {n: Box(x, y, w, h) for n, x, y, w, h in found}
        self.html = await page.content()
        size = await page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        self.width, self.height = int(size[0]), min(int(size[1]), MAX_HEIGHT)
        self.png = await page.screenshot(full_page=True, type="png", clip={
            "x": 0, "y": 0, "width": self.width, "height": self.height})
