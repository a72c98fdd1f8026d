"""Printing: JSON for programs on stdout, rich text for people; page text always escaped."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console, RenderableType

# Page-derived strings are passed as Text objects or through rich.markup.escape, never as markup.
out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)


def show(renderable: RenderableType, *, page: bool = False) -> None:
    """Print for a person; with `page`, through a pager when on a terminal and taller than it."""
    if page and out.is_terminal:
        lines = out.render_lines(renderable, out.options, pad=False)
        if len(lines) > out.size.height:
            # As git does: less keeps the colours (-R), and leaves short text on screen (-F, -X).
            os.environ.setdefault("LESS", "-FRX")
            with out.pager(styles=True):
                out.print(renderable)
            return
    out.print(renderable)


def print_json(data: Any) -> None:
    # Plain print, not rich: JSON on stdout must be byte-exact and never wrapped.
    print(json.dumps(data, ensure_ascii=False, indent=2))


def write_atomic(path: Path, text: str) -> None:
    """Write a file whole or not at all: a temp file beside it, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
