"""Word-level diff of two texts, as segments a reader (and a renderer) can follow.

Pure: text in, segments out. A diff is a list of ``(op, text)`` pairs with op ``"="`` (kept),
``"-"`` (only in the old text) or ``"+"`` (only in the new text). Whitespace is kept inside the
segments, so joining the ``=`` and ``-`` texts gives the old text exactly, and joining the ``=`` and
``+`` texts gives the new text exactly.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Literal

DiffOp = Literal["=", "-", "+"]
Segment = tuple[DiffOp, str]

# A token is a run of non-space characters or a run of whitespace. Keeping whitespace as tokens of
# its own lets an edit to one word leave its neighbours' spacing untouched, and makes the diff
# lossless (every character of either text is in exactly one token).
_TOKEN = re.compile(r"\s+|\S+")


def word_diff(old: str, new: str) -> list[Segment]:
    """Diff `old` and `new` word by word; see the module docstring for the segment contract."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    # autojunk would treat the ubiquitous single-space token as junk in texts over 200 tokens and
    # give much worse alignments; paragraphs and comments are small enough to afford the full match.
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    raw: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            raw.append(("=", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            raw.append(("-", "".join(a[i1:i2])))
        if j2 > j1:
            raw.append(("+", "".join(b[j1:j2])))
    return _merge_runs(_absorb_lone_whitespace(raw))


def _absorb_lone_whitespace(segments: list[Segment]) -> list[Segment]:
    """Fold a whitespace-only `=` between two changes into both sides of the change.

    Without this, replacing "b c" by "x y" reads as -b +x = -c +y: the matcher keeps the space
    between them. As one replacement (-"b c" +"x y") it reads the way a person sees the edit.
    """
    out: list[Segment] = []
    for i, (op, text) in enumerate(segments):
        between_changes = 0 < i < len(segments) - 1 and segments[i + 1][0] != "="
        if op == "=" and text.isspace() and between_changes and out and out[-1][0] != "=":
            out.extend([("-", text), ("+", text)])
        else:
            out.append((op, text))
    return out


def _merge_runs(segments: list[Segment]) -> list[Segment]:
    """Collapse each run of consecutive changes into one `-` followed by one `+`.

    Within a run, the `-` texts in order are the old text of that stretch and the `+` texts the new,
    so concatenating them per side keeps the reconstruction exact.
    """
    out: list[Segment] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        if removed:
            out.append(("-", "".join(removed)))
        if added:
            out.append(("+", "".join(added)))
        removed.clear()
        added.clear()

    for op, text in segments:
        if op == "=":
            flush()
            out.append((op, text))
        elif op == "-":
            removed.append(text)
        else:
            added.append(text)
    flush()
    return out
