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


# Chromium draws the header and footer at a font size of 0 unless told; they carry no page styles.
_MARGIN_STYLE = "font-size: 8px; font-family: sans-serif; width: 100%; margin: 0 10mm; color: #333;"


class Pdf(Artifact):
    """The page printed with its screen styles (last: switching media may restyle the page)."""

    name = "page.pdf"

    async def make(self, page: Page, content: PageContent) -> None:
        await page.emulate_media(media="screen")
        # Every page says what it is a print of, as a court exhibit does: the address and the time
        # of the capture (UTC), and "page N of M". Outside text is escaped: the template is HTML.
        header = (f'<div style="{_MARGIN_STYLE}"><span>{html.escape(content.final_url)}</span></div>')
        footer = (f'<div style="{_MARGIN_STYLE}"><span>captured {html.escape(content.fetched_at)} (UTC)'
                  ' · page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>')
        await page.pdf(path=self.path, print_background=True, display_header_footer=True,
                       header_template=header, footer_template=footer,
                       margin={"top": "16mm", "bottom": "16mm", "left": "10mm", "right": "10mm"})


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
