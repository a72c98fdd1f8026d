"""Text from outside made encodable: a script can put lone UTF-16 surrogates (half an emoji, a
bad slice) into the DOM, and a Python str holding one fails every encoder (the HTML parser, the
database, JSON, email) with "surrogates not allowed"."""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def well_formed(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD; a pair that survived as two code points
    is joined into its character. Text without any (nearly all) is returned as it is."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
