"""Form steps for logins and consent walls: fill, type, press, select.

A value may name environment variables (`${ENV:NAME}`); they are resolved here, as the step runs,
and the resolved value is never logged or shown: an outcome says how many characters went in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scraper.base.envref import resolve_env
from scraper.base.errors import InputError, JobFailed
from scraper.browser import effects
from scraper.profiles.schema import Action, FillAction, PressAction, SelectAction, TypeAction, is_xpath

if TYPE_CHECKING:
    from playwright.async_api import Frame, Locator, Page


def describe(action: Action) -> tuple[str, str]:
    if isinstance(action, FillAction):
        return "fill", action.fill
    if isinstance(action, TypeAction):
        return "type", action.type
    if isinstance(action, PressAction):
        return "press", action.press + (f" in {action.selector}" if action.selector else "")
    if isinstance(action, SelectAction):
        return "select", action.select
    raise TypeError(f"not a form step: {action!r}")


def _selector(expr: str) -> str:
    return "xpath=" + expr.removeprefix("xpath:") if is_xpath(expr) else expr


def _value(raw: str, where: str) -> str:
    try:
        return resolve_env(raw, where)
    except InputError as exc:
        raise JobFailed(str(exc)) from None


async def _field(target: Page | Frame, selector: str, remaining: float) -> Locator:
    """The first element `selector` finds, once it is attached; a clear error if it never comes."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    loc = target.locator(_selector(selector)).first
    try:
        await loc.wait_for(state="visible", timeout=max(remaining, 0.001) * 1000)
    except PlaywrightTimeout:
        raise JobFailed(f"no visible element matches within {remaining:.1f}s") from None
    return loc


async def run(page: Page, action: Action, target: Page | Frame, remaining: float) -> str:
    """Run one form step; return what happened, with no secret in it."""
    if isinstance(action, FillAction):
        value = _value(action.value, f"fill {action.fill}")
        await (await _field(target, action.fill, remaining)).fill(value)
        return f"filled in {len(value)} characters"
    if isinstance(action, TypeAction):
        value = _value(action.value, f"type {action.type}")
        loc = await _field(target, action.type, remaining)
        await loc.press_sequentially(value, delay=action.delay)
        return f"typed {len(value)} characters"
    if isinstance(action, SelectAction):
        value = _value(action.value, f"select {action.select}")
        loc = await _field(target, action.select, remaining)
        chosen = await _select(loc, value)
        return f"chose {chosen!r}"
    if isinstance(action, PressAction):
        key = action.press
        if action.selector:
            loc = await _field(target, action.selector, remaining)
            effect = await effects.act(page, target, lambda: loc.press(key))
        else:
            effect = await effects.act(page, target, lambda: page.keyboard.press(key))
        if effect == "navigated":  # Enter in a login form: the page it opened is the page now
            return f"pressed {key}; it opened {page.url}"
        return f"pressed {key}" + ("; nothing changed" if effect == "nothing" else "")
    raise TypeError(f"not a form step: {action!r}")


async def _select(loc: Locator, value: str) -> str:
    """Choose the option whose value, else whose label, is `value`; say which label was chosen."""
    found = await loc.evaluate(
        """(s, v) => {
            const o = [...s.options].find(o => o.value === v)
                   || [...s.options].find(o => o.label.trim() === v.trim());
            return o ? [o.value, o.label] : null;
        }""",
        value,
    )
    if not found:
        raise JobFailed("no option has that value or label")
    await loc.select_option(value=str(found[0]))
    return str(found[1])
