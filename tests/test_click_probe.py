"""A "load more" click asks the page first whether a control may be there (`actions._MAY_CLICK`),
before Playwright's selector engine is injected (issue 25: ~20 ms of the renderer's CPU a check,
on pages that mostly have nothing to click). Its "no" must be the locator's "no": checked here
against Playwright's own locator, in a real Chromium, on the controls that are hardest to read
(text in shadow roots, split across elements, in input values, beside scripts and styles)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from scraper.browser import BrowserSession, actions
from scraper.profiles import load_profiles
from scraper.profiles.schema import ClickAction

PROFILES = load_profiles([Path(__file__).resolve().parents[1] / "selectors"])
WORDPRESS = next(a for a in PROFILES["wordpress"].actions if isinstance(a, ClickAction))
SHADOW = """<script>
customElements.define("x-more", class extends HTMLElement {
  constructor() { super(); this.attachShadow({mode: "open"}).innerHTML = "<span>%s</span>"; }
});
</script>"""

# (body, whether the locator of the wordpress profile's click finds a control there)
CASES = {
    "nothing": ("<p>An article.</p><a href='/next'>Load more comments</a>", False),
    "button": ("<button>Load more comments</button>", True),
    "split": ("<button><b>Load</b> more <i>comments</i></button>", True),
    "input value": ("<input type='button' role='button' value='Show older comments'>", True),
    "no label": ("<button>Send</button><a>Reply</a>", False),
    "script inside": ("<button><script>let x = 'load more comments'</script>Go</button>", False),
    "style then text": ("<button><style>b{}</style>Older comments</button>", True),
    "shadow text": (SHADOW % "Load more comments" + "<x-more role='button'></x-more>", True),
    "shadow host":  # the control lives in a shadow root: Playwright's CSS reaches into it
        (SHADOW % "<button>View all replies</button>" + "<x-more></x-more>", True),
    "head only": ("<title>Load more comments</title><p>Text.</p>", False),
    "hidden": ("<button style='display: none'>Load more comments</button>", True),
}


def _answers(chromium: BrowserSession, body: str, action: ClickAction) -> tuple[bool, int]:
    """(the page's answer, how many elements Playwright's locator finds, visible or not)."""
    async def job(browser: Browser) -> tuple[bool, int]:
        context = await browser.new_context()
        try:
            page = await context.new_page()
            await page.set_content(body)
            may = await actions._may_click(page, action)
            found = page.locator(action.click)
            if action.text is not None:
                found = found.filter(has_text=re.compile(action.text, re.IGNORECASE))
            return may, await found.count()
        finally:
            await context.close()

    return chromium.run(job, 60)


@pytest.mark.parametrize(("body", "control"), CASES.values(), ids=CASES.keys())
def test_the_page_says_no_only_where_the_locator_finds_nothing(
        chromium: BrowserSession, body: str, control: bool) -> None:
    may, found = _answers(chromium, body, WORDPRESS)
    assert (found > 0) is control  # the case is what it says it is
    assert may is control  # a "maybe" where the locator finds nothing is allowed, but not seen here


def test_a_selector_the_page_cannot_answer_for_is_left_to_the_locator(chromium: BrowserSession) -> None:
    # A combinator: Playwright's CSS engine carries it across shadow roots, querySelectorAll does not.
    across = ClickAction(click="x-more button", text="all replies")
    assert not actions._asked_first(across)
    may, found = _answers(chromium, SHADOW % "<button>View all replies</button>" + "<x-more></x-more>",
                          across)
    assert may and found == 1


def _click(chromium: BrowserSession, body: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, int, int]:
    """The wordpress click on `body`: its outcome, the locators made, the comments on the page."""
    made: list[str] = []
    real = actions.locator

    async def counted(page: Page, selector: str, frame: str | None) -> object:
        made.append(selector)
        return await real(page, selector, frame)

    monkeypatch.setattr(actions, "locator", counted)

    async def job(browser: Browser) -> tuple[str, int, int]:
        context = await browser.new_context()
        try:
            page = await context.new_page()
            await page.set_content(body)
            end = asyncio.get_running_loop().time() + 30
            _, outcome, _, ok = await actions.click_until_gone(page, WORDPRESS, end)
            assert ok, outcome
            return outcome, len(made), await page.evaluate("document.querySelectorAll('li').length")
        finally:
            await context.close()

    return chromium.run(job, 60)


LOADS_MORE = """<ol></ol><script>
customElements.define("x-more", class extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({mode: "open"}).innerHTML = "<span>Load more comments</span>";
    this.addEventListener("click", () => {
      document.querySelector("ol").insertAdjacentHTML("beforeend", "<li>A comment.</li>");
      this.remove();
    });
  }
});
</script><x-more role="button"></x-more>"""


def test_nothing_to_click_never_makes_a_locator(chromium: BrowserSession,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    outcome, locators, _ = _click(chromium, CASES["nothing"][0], monkeypatch)
    assert outcome == "not on the page: nothing to click"
    assert locators == 0


def test_a_control_labelled_in_its_shadow_root_is_still_clicked(chromium: BrowserSession,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    outcome, locators, comments = _click(chromium, LOADS_MORE, monkeypatch)
    assert outcome == "clicked once; gone"
    assert locators == 1 and comments == 1
