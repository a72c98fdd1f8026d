"""The page artifacts of an evidence capture, each a recorder of the one render.

Each is taken once the page is ready and the profile's actions have run, from the same page the
record is read from. An artifact the browser cannot make (a PDF from a headed remote browser) is
left out with its reason, which the provenance states; it never fails the whole capture.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scraper.browser.recorder import Recorder
from scraper.model.page import PageContent

if TYPE_CHECKING:
    from playwright.async_api import Page


class Artifact(Recorder):
    """One file in the capture folder, made from the page."""

    name: ClassVar[str]

    def __init__(self, folder: Path) -> None:
        self.path = folder / self.name
        self.error: str | None = None

    async def collect(self, page: Page, content: PageContent) -> None:
        from playwright.async_api import Error as PlaywrightError

        try:
            await self.make(page, content)
        except PlaywrightError as exc:
            self.error = (exc.message.strip().splitlines() or ["failed"])[0]

    async def make(self, page: Page, content: PageContent) -> None:
        raise NotImplementedError

    def status(self) -> dict[str, Any]:
        made = self.error is None and self.path.is_file()
        return {"file": self.name, "made": made, **({"error": self.error} if self.error else {})}


class Dom(Artifact):
    """The rendered DOM: exactly the HTML the record was extracted from."""

    name = "dom.html"

    async def make(self, page: Page, content: PageContent) -> None:
        self.path.write_text(content.html, encoding="utf-8")


class Screenshot(Artifact):
    name = "screenshot.png"

    async def make(self, page: Page, content: PageContent) -> None:
        await page.screenshot(path=self.path, full_page=True, type="png")


class Mhtml(Artifact):
    """The page and its resources in one MHTML file, as Chromium's "save page" makes it."""

    name = "page.mhtml"

    async def make(self, page: Page, content: PageContent) -> None:
        cdp = await page.context.new_cdp_session(page)
        try:
            snapshot = await cdp.send("Page.captureSnapshot", {"format": "mhtml"})
        finally:
            await cdp.detach()
        self.path.write_bytes(str(snapshot["data"]).encode("utf-8"))


class Pdf(Artifact):
    """The page printed with its screen styles (last: switching media may restyle the page)."""

    name = "page.pdf"

    async def make(self, page: Page, content: PageContent) -> None:
        await page.emulate_media(media="screen")
        # As a court exhibit is marked: the address and the capture time (UTC) on every page.
        await page.pdf(path=self.path, print_background=True, display_header_footer=True,
                       header_template=_exhibit_line(f"{content.final_url or content.url}"),
                       footer_template=_exhibit_line(
                           f"captured {content.fetched_at.replace('T', ' ').rstrip('Z')} UTC",
                           pages=True),
                       margin={"top": "14mm", "bottom": "14mm", "left": "8mm", "right": "8mm"})


def _exhibit_line(text: str, *, pages: bool = False) -> str:
    """A PDF header or footer: Chromium's template is HTML, so the page's URL is escaped in it."""
    count = ('<span style="float:right">page <span class="pageNumber"></span> of '
             '<span class="totalPages"></span></span>') if pages else ""
    return (f'<div style="font-size:8px;font-family:sans-serif;width:100%;margin:0 8mm;">'
            f'{html.escape(text)}{count}</div>')


class Har(Artifact):
    """Playwright's own HAR of the context, bodies embedded; written when the context closes."""

    name = "page.har"

    def context_options(self) -> Mapping[str, Any]:
        return {"record_har_path": str(self.path), "record_har_content": "embed"}

    async def collect(self, page: Page, content: PageContent) -> None:
        return None

    async def finish(self) -> None:
        if not self.path.is_file():
            self.error = "the browser wrote no HAR"


# In the order they are taken: the DOM first (what the record read), the PDF last.
PAGE_ARTIFACTS: tuple[type[Artifact], ...] = (Dom, Screenshot, Mhtml, Har, Pdf)
