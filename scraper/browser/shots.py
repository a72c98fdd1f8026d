"""Where the page drew its items, and a picture of it when that may have changed.

`ItemShots` is a recorder (`scraper.browser.recorder`): once the page is read, one evaluation
records the box and the drawn text of every comment item and article paragraph the profile names;
the texts' hash tells whether the page drew anything the last kept picture does not show, and only
then is one full-page screenshot taken, in the same render (never a second load). Cropping is for
later, once the check knows what changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

from loguru import logger

from scraper.browser.recorder import Recorder
from scraper.model.page import PageContent

if TYPE_CHECKING:
    from playwright.async_api import Page

    from scraper.profiles.schema import Profile

# Enough for any thread a report is about; a page with more items is cut, not refused.
MAX_ITEMS = 2000
MAX_TEXT = 4000
QUALITY = 90  # the full-page JPEG's: text in the crops stays clean
_PSEUDO = re.compile(r"::(text|attr\([^)]*\))\s*$")
# parsel's XPath function has-class('a'), which the browser's XPath lacks, in XPath 1.0.
_HAS_CLASS = re.compile(r"has-class\(\s*(['\"])([^'\"]+)\1\s*\)")

_BOXES_JS = """
([selectors, maxItems, maxText]) => {
  const items = [];
  const seen = new Set();
  for (const [kind, selector] of selectors) {
    let found = [];
    try {
      if (selector.startsWith('xpath:')) {
        const r = document.evaluate(selector.slice(6), document, null,
                                    XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
        for (let i = 0; i < r.snapshotLength; i++) found.push(r.snapshotItem(i));
      } else {
        found = Array.from(document.querySelectorAll(selector));
      }
    } catch (e) { continue; }
    for (const el of found) {
      if (items.length >= maxItems) break;
      if (!(el instanceof Element) || seen.has(el)) continue;
      seen.add(el);
      const r = el.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) continue;
      items.push({kind, x: r.left + window.scrollX, y: r.top + window.scrollY,
                  w: r.width, h: r.height, id: el.id || '',
                  text: (el.innerText || '').replace(/\\s+/g, ' ').trim().slice(0, maxText)});
    }
  }
  const doc = document.documentElement;
  return {dpr: window.devicePixelRatio, width: doc.scrollWidth, items};
}
"""


def item_selectors(profile: Profile) -> list[tuple[str, str]]:
    """(kind, selector) of the items a picture may be asked of: comment items (not inside a
    widget's iframe) and the article's paragraphs, as elements (`::text` and `::attr()` cut)."""
    selectors = []
    if profile.comments is not None and profile.comments.frame is None:
        selectors.append(("comment", profile.comments.item))
    if profile.article.text is not None:
        for selector in profile.article.text.select:
            selectors.append(("paragraph", _PSEUDO.sub("", selector).strip()))
    return [(kind, _browser_xpath(s)) for kind, s in selectors if s]


def _browser_xpath(selector: str) -> str:
    if not selector.startswith("xpath:"):
        return selector
    return _HAS_CLASS.sub(
        lambda m: f"contains(concat(' ', normalize-space(@class), ' '), ' {m.group(2)} ')", selector)


def signature(boxes: dict[str, Any]) -> str:
    """The hash of what the items said as drawn: equal, and the last picture shows this page."""
    texts = [[item["kind"], item["text"]] for item in boxes.get("items", [])]
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode()).hexdigest()


class ItemShots(Recorder):
    """The items' boxes, and a full-page JPEG when their texts differ from `known` (the hash of
    the last kept picture's; None: there is none)."""

    def __init__(self, known: str | None) -> None:
        self.known = known
        self.selectors: list[tuple[str, str]] = []
        self.boxes: dict[str, Any] | None = None
        self.signature: str | None = None
        self.image: bytes | None = None

    def chosen(self, profile: Profile) -> None:
        self.selectors = item_selectors(profile)

    async def collect(self, page: Page, content: PageContent) -> None:
        # A picture is worth less than the check: anything failing here is said and skipped.
        try:
            self.boxes = await page.evaluate(_BOXES_JS, [self.selectors, MAX_ITEMS, MAX_TEXT])
            self.signature = signature(self.boxes)
            if self.signature != self.known:
                # JPEG: taken and decoded several times faster than PNG for a long page; the
                # crops made from it are PNG.
                self.image = await page.screenshot(full_page=True, type="jpeg", quality=QUALITY,
                                                   caret="hide")
        except Exception as exc:
            logger.info("{}: no picture of its items: {}", content.url, exc)
            self.boxes, self.image = None, None
