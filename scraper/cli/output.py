"""Printing: JSON for programs on stdout, rich text for people; page text always escaped."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console, RenderableType

from scraper.base.errors import InputError
from scraper.base.terminal import safe

if TYPE_CHECKING:
    from pydantic import BaseModel  # `scraper --help` need not load pydantic

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


def print_model(model: BaseModel) -> None:
    """A service's answer as `print_json` prints its dump, serialised by pydantic's core in one
    step (10,000 watches' status: ~0.3 s less than building the dicts and then the text)."""
    print(model.model_dump_json(indent=2, by_alias=True))


def output_target(path: Path, option: str = "--output") -> Path | None:
    """Where `--output` may write, checked before any work: None for `-` (stdout), else a regular
    file's path. A folder, device, FIFO or socket is refused (InputError); a symlink is followed to
    the regular file it names (written there, the link kept), never replaced by a file."""
    if str(path) == "-":
        return None
    shown = safe(str(path))
    target = path.resolve() if path.is_symlink() else path
    if path.is_symlink() and not target.exists():
        raise InputError(f"{option} {shown}: a symlink to nothing ({safe(str(target))})")
    if target.exists() and not target.is_file():
        kind = "a folder" if target.is_dir() else "not a regular file (a device, FIFO or socket)"
        raise InputError(f"{option} {shown}: {kind}; give a file path, or - for stdout")
    parent = target.parent
    while not parent.exists():  # write_atomic creates the missing folders
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{option} {shown}: cannot write in {safe(str(parent))}")
    return target


def write_atomic(path: Path, text: str, option: str = "--output") -> None:
    """The one way the CLI writes a file a person named (`capture --output`, `report preview
    --html`, `profile suggest --output`): `output_target`'s rule, checked again at the moment of
    writing (what was a file when the command started may be a FIFO now), then the file whole or
    not at all: a temp file beside it, then a rename (keeping the mode of the file it replaces).
    A rename replaces a name, never writes into what it names: a device is never written to."""
    target = output_target(path, option) or path
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o7777 if target.is_file() else None
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
