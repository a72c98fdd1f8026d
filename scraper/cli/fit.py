"""Tables that fit the terminal: each column has a priority and a way to be cut; columns are
dropped, lowest priority first, until the rest fit, then the cuttable ones are cut (a URL in the
middle, so both its host and its end stay). `--wide` shows every column whole."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.table import Table
from rich.text import Text

GAP = 3  # between two columns: the padding on both sides and the (blank) vertical rule


@dataclass(frozen=True)
class Column:
    name: str
    priority: int = 0  # higher: dropped first; 0 is never dropped
    cut: str = ""  # "", "end" or "middle": how its cells are shortened to fit
    least: int = 8  # other columns are dropped before this one is cut narrower


def middle(text: str, width: int) -> str:
    """`https://example.org/2016/…/some-post/`: the start and the end, an ellipsis between."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head = (width - 1) * 3 // 5
    return text[:head] + "…" + text[len(text) - (width - 1 - head):]


def _cell_text(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _shorten(cell: str | Text, width: int, how: str) -> str | Text:
    plain = _cell_text(cell)
    if len(plain) <= width:
        return cell
    if how == "middle":
        return Text(middle(plain, width), style=cell.style if isinstance(cell, Text) else "")
    shortened = cell.copy() if isinstance(cell, Text) else Text(cell)
    shortened.truncate(width, overflow="ellipsis")
    return shortened


def fitted(columns: Sequence[Column], rows: Sequence[Sequence[str | Text]], width: int, *,
           wide: bool = False) -> Table:
    """A table of `rows` at most `width` characters wide (with `wide`: every column, whole)."""
    natural = [max([len(c.name), *(len(_cell_text(r[i])) for r in rows)]) for i, c in enumerate(columns)]
    keep = list(range(len(columns)))
    widths = dict(enumerate(natural))

    def total() -> int:
        return sum(widths[i] for i in keep) + GAP * (len(keep) - 1)

    if not wide:
        def at_least() -> int:  # the total with the cuttable columns at their least
            return sum(min(widths[j], columns[j].least) if columns[j].cut else widths[j]
                       for j in keep) + GAP * (len(keep) - 1)

        for i in sorted((i for i, c in enumerate(columns) if c.priority),
                        key=lambda i: -columns[i].priority):
            if at_least() <= width:
                break
            keep.remove(i)
        over = total() - width
        cuttable = [j for j in keep if columns[j].cut]
        while over > 0 and cuttable:  # shorten the widest cuttable column, one character at a time
            j = max(cuttable, key=lambda k: widths[k] - columns[k].least)
            if widths[j] <= 1:
                break
            widths[j] -= 1
            over -= 1
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for i in keep:
        table.add_column(columns[i].name, no_wrap=True, overflow="ellipsis",
                         min_width=None if wide else widths[i], max_width=None if wide else widths[i])
    for row in rows:
        table.add_row(*(row[i] if wide or not columns[i].cut else _shorten(row[i], widths[i], columns[i].cut)
                        for i in keep))
    return table


def print_fitted(table: Table, *, wide: bool) -> None:
    """Print for a person; `wide`: at the table's own width, whatever the terminal's (a pipe to
    `less -S` or a file gets every column whole)."""
    from rich.console import Console

    from scraper.cli.output import out

    if not wide:
        out.print(table)
        return
    measured = table.__rich_measure__(out, out.options.update(width=1_000_000)).maximum
    Console(highlight=False, soft_wrap=False, width=measured, no_color=out.no_color,
            force_terminal=out.is_terminal, file=out.file).print(table)
