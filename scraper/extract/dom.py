"""Parse a page as parsel does, with lxml.html's element classes assigned in C.

parsel's HTML parser (lxml.html's) picks each element's class in a Python callback, run whenever
lxml makes a Python object for an element: on every walk of the tree, every XPath result. On a
5,000-comment page that was ~165,000 calls, ~30 ms a walk of the page (issue 10). Here the
elements are the same `HtmlElement`s (only form controls lose their form-specific subclasses,
which nothing here reads), the tree is the same.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from parsel import Selector
from parsel.selector import create_root_node

_LOOKUP = etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity,
)
# What parsel would read as HTML: not JSON (which cannot start with `<`), no XML declaration.
_HTML_START = re.compile(r"[\s\ufeff]*<(?!\?xml\s)")


class _Parser(etree.HTMLParser):  # type: ignore[misc]  # lxml is untyped here
    """`lxml.html.HTMLParser`, with the lookup in C."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.set_element_class_lookup(_LOOKUP)


def parse_html(text: str) -> Selector:
    """`Selector(text=text)`, with the same tree and type."""
    if not _HTML_START.match(text):  # JSON, XML, or nothing: parsel decides
        return Selector(text=text)
    return Selector(root=create_root_node(text, _Parser), type="html")
