"""The profile format, validated on load: unknown keys, bad selectors, bad regexes are refused.

A profile is data (YAML); this module is its single definition. The README's "Profiles" section
documents every key here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from parsel import Selector
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from scraper.model.fetch import Fetch, RenderMode
from scraper.profiles.regexes import check_regex

_PROBE = Selector(text="<html><body></body></html>")
BLOCKABLE = ("image", "media", "font", "stylesheet")
# The largest DOM (characters of HTML) read from a page: beyond it the page fails as too large
# rather than cost gigabytes in the driver and the parser.
DEFAULT_MAX_HTML = 10_000_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def is_xpath(expr: str) -> bool:
    return expr.startswith(("/", "(", "./", "xpath:"))


def check_selector(expr: str) -> str:
    """Compile a CSS or XPath expression once, so a typo fails at load time, not mid-capture."""
    expr = expr.strip()
    if not expr:
        raise ValueError("empty selector")
    try:
        if is_xpath(expr):
            _PROBE.xpath(expr.removeprefix("xpath:"))
        else:
            _PROBE.css(expr)
    except Exception as exc:  # cssselect raises SyntaxError subclasses, lxml ValueError
        kind = "XPath" if is_xpath(expr) else "CSS"
        raise ValueError(f"invalid {kind} selector {expr!r}: {exc}") from None
    return expr


SelectorStr = Annotated[str, BeforeValidator(lambda v: check_selector(v) if isinstance(v, str) else v)]
RegexStr = Annotated[str, BeforeValidator(lambda v: check_regex(v) if isinstance(v, str) else v)]


class FieldSpec(Strict):
    """How to read one value. Shorthand in YAML: a selector string, or a list of alternatives."""

    select: tuple[SelectorStr, ...] = Field(min_length=1)  # alternatives: the first that yields wins
    regex: RegexStr | None = None  # applied to the value; group 1 if the pattern has one
    type: Literal["str", "int", "datetime"] = "str"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"select": (data,)}
        if isinstance(data, list):
            return {"select": tuple(data)}
        if isinstance(data, dict):
            data = dict(data)
            if "css" in data or "xpath" in data:
                if "select" in data or ("css" in data and "xpath" in data):
                    raise ValueError("give one of 'css', 'xpath' or 'select'")
                if "css" in data:
                    data["select"] = _as_tuple(data.pop("css"))
                else:
                    data["select"] = tuple("xpath:" + x for x in _as_tuple(data.pop("xpath")))
            elif isinstance(data.get("select"), str):
                data["select"] = (data["select"],)
        return data


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


class MatchSpec(Strict):
    urls: tuple[str, ...] = ()  # globs (fnmatch), or regexes written "re:PATTERN"
    detect: SelectorStr | None = None  # matches when this selector finds something in the loaded page

    @field_validator("urls")
    @classmethod
    def _patterns(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in urls:
            if pattern.startswith("re:"):
                check_regex(pattern[3:])
        return urls


class ReadySpec(Strict):
    selector: SelectorStr | None = None
    frame: SelectorStr | None = None  # look for `selector` inside this iframe
    network_idle: bool = False
    js: str | None = None  # an expression that becomes truthy
    required: bool = True  # false: a ready condition that never comes is not an error
    timeout: float | None = Field(default=None, gt=0)  # seconds; never beyond the job's deadline


class ScrollAction(Strict):
    scroll: Literal["until-stable"]
    max: int = Field(default=20, ge=1, le=500)


class ClickAction(Strict):
    click: SelectorStr  # clicked again and again until it is gone (or `max` clicks)
    # Only the matches whose text matches this regex (case-insensitive), e.g. "load more comments";
    # written in the syntax Python and JavaScript share, since the browser evaluates it.
    text: RegexStr | None = None
    max: int = Field(default=20, ge=1, le=500)
    frame: SelectorStr | None = None


class WaitAction(Strict):
    wait_for: SelectorStr
    frame: SelectorStr | None = None
    required: bool = True


# Form steps, for logins and consent walls. `value` may name environment variables (${ENV:NAME}),
# resolved only when the step runs, so a password stays out of files and views.
class FillAction(Strict):
    fill: SelectorStr  # the field; its content is replaced by `value`
    value: str
    frame: SelectorStr | None = None


class TypeAction(Strict):
    type: SelectorStr  # the field; `value` is typed key by key (for fields that watch keystrokes)
    value: str
    delay: float = Field(default=0, ge=0, le=1000)  # milliseconds between keys
    frame: SelectorStr | None = None


class PressAction(Strict):
    press: str = Field(min_length=1)  # a key or chord: Enter, Tab, Control+A
    # The element to press it in (default: the focused one). Not `on:`, which YAML reads as true.
    selector: SelectorStr | None = None
    frame: SelectorStr | None = None


class SelectAction(Strict):
    select: SelectorStr  # a <select>; `value` is an option's value or label
    value: str
    frame: SelectorStr | None = None


ACTION_KEYS = ("scroll", "click", "wait_for", "fill", "type", "press", "select")


def _action_kind(data: Any) -> str | None:
    """Tell actions apart by their key, so an error names the action's own field, not every union."""
    found = (k for k in ACTION_KEYS if (k in data if isinstance(data, dict) else hasattr(data, k)))
    key = next(found, None)
    return f"{key} action" if key else None


# Tags are not YAML keys: error locations skip them (see loader._line_of).
ACTION_TAGS = frozenset(f"{k} action" for k in ACTION_KEYS)
Action = Annotated[
    Annotated[ScrollAction, Tag("scroll action")]
    | Annotated[ClickAction, Tag("click action")]
    | Annotated[WaitAction, Tag("wait_for action")]
    | Annotated[FillAction, Tag("fill action")]
    | Annotated[TypeAction, Tag("type action")]
    | Annotated[PressAction, Tag("press action")]
    | Annotated[SelectAction, Tag("select action")],
    Discriminator(
        _action_kind,
        custom_error_type="action",
        custom_error_message="an action is one of: " + ", ".join(ACTION_KEYS),
    ),
]


class NormaliseRule(Strict):
    regex: RegexStr
    replace: str = ""


class ArticleSpec(Strict):
    title: FieldSpec | None = None
    author: FieldSpec | None = None
    published: FieldSpec | None = None
    text: FieldSpec | None = None
    tags: FieldSpec | None = None
    likes: FieldSpec | None = None
    # Fill fields left without a selector (or that matched nothing) from trafilatura's extraction.
    auto: bool = False


class CommentsSpec(Strict):
    frame: SelectorStr | None = None  # the iframe holding the widget, same- or cross-origin
    # Iframes that may hold the thread (Disqus-like widgets): read as well, and searched for
    # comments when the page itself shows none.
    frames: SelectorStr | None = None
    item: SelectorStr
    id: FieldSpec | None = None
    parent: Literal["nesting"] | FieldSpec = "nesting"
    author: FieldSpec | None = None
    published: FieldSpec | None = None
    text: FieldSpec | None = None


class PolitenessSpec(Strict):
    """How the daemon treats the profile's hosts (a watch's own settings win)."""

    gap: float | None = Field(default=None, ge=0, le=86400)  # seconds between checks of a host
    cap: int | None = Field(default=None, ge=0, le=1000)  # checks of a host at a time (0: no limit)


class Profile(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    description: str = ""
    extends: str | None = None
    priority: int = 0  # among profiles that detect the same page, the higher wins
    match: MatchSpec = MatchSpec()
    ready: ReadySpec = ReadySpec()
    actions: tuple[Action, ...] = ()
    ignore: tuple[SelectorStr, ...] = ()
    block: tuple[str, ...] = ()  # resource kinds (image, media, font, stylesheet) or URL patterns
    deadline: float | None = Field(default=None, gt=0, le=600)
    max_html: int = Field(default=DEFAULT_MAX_HTML, ge=10_000, le=200_000_000)
    article: ArticleSpec = ArticleSpec()
    comments: CommentsSpec | None = None
    normalise: tuple[NormaliseRule, ...] = ()
    fetch: Fetch = Fetch()  # user agent, headers, cookies, proxy, locale, time zone, viewport
    politeness: PolitenessSpec = PolitenessSpec()
    # Whether its pages need the browser (None: the watch's, else `auto`; see docs/fetch.md).
    render: RenderMode | None = None

    @field_validator("block")
    @classmethod
    def _block(cls, items: tuple[str, ...]) -> tuple[str, ...]:
        for item in items:
            if item not in BLOCKABLE and "*" not in item and "/" not in item and "." not in item:
                raise ValueError(
                    f"{item!r} is neither a resource kind ({', '.join(BLOCKABLE)}) "
                    "nor a URL pattern such as '*.png' or '*://ads.example/*'"
                )
        return items
