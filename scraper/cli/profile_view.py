"""`profile test` for a person: how the page was loaded (the ready wait, each step), then per field
which selector matched what. Selectors are shown whole, wrapped, never cut."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from scraper.base.terminal import safe
from scraper.browser.trace import Trace
from scraper.service.profiles import FieldResult

# A ready wait at least this long is worth a remark even when it was met.
SLOW_READY = 5.0


def _tried(report: FieldResult) -> Text:
    """The alternatives up to the one that matched (the rest were never needed), with counts."""
    if not report.tried:
        return Text("(no selector)", style="dim")
    upto = next((i for i, t in enumerate(report.tried) if t.selector == report.used), None)
    shown = report.tried if upto is None else report.tried[: upto + 1]
    text = Text()
    for t in shown:
        style = "green" if t.selector == report.used else "dim"
        text.append(f"{t.matches:>3} × {safe(' '.join(t.selector.split()))}\n", style=style)
    if len(shown) < len(report.tried):
        text.append(f"      (+{len(report.tried) - len(shown)} more alternatives not needed)", style="dim")
    text.rstrip()
    return text


def report_table(reports: list[FieldResult]) -> Table:
    table = Table("field", "matches × selector (first that yields wins)", "value(s)")
    table.columns[1].overflow = "fold"
    for r in reports:
        status = Text("✔ " if r.ok else "✘ ", style="green" if r.ok else "red")
        shown = Text("\n".join(safe(v.replace("\n\n", " ¶ ")[:120]) for v in r.values))
        if r.found_in:
            shown = Text(f"[{r.found_in}]\n", style="cyan") + shown
        table.add_row(status + Text(r.field), _tried(r), shown)
    return table


def _ready(trace: Trace) -> Text:
    ready = trace.ready
    text = Text("ready      ", style="bold")
    if ready is None:
        return text.append("not reached (an earlier step failed)", style="red")
    if not ready.condition:
        return text.append("nothing to wait for (the page's load event)")
    if ready.met:
        text.append(f"✔ {safe(ready.condition)} after {ready.seconds:.1f}s", style="green")
        if ready.seconds >= SLOW_READY:
            text.append("  (slow: every check waits this long)", style="yellow")
        return text
    text.append(f"✘ {safe(ready.condition)} did not come within {ready.budget:.1f}s", style="yellow")
    text.append(f"\n           required: false, so the page was read anyway — but every check now "
                f"waits {ready.budget:.1f}s for it: is the ready condition right?", style="yellow")
    return text


def render_trace(trace: Trace) -> RenderableType:
    """The ready wait, each step with its outcome, and the totals."""
    parts: list[RenderableType] = []
    if trace.user_agent:
        parts.append(Text("user agent ", style="bold").append(safe(trace.user_agent)))
    parts.append(_ready(trace))
    if trace.steps:
        table = Table("#", "from", "step", "outcome", "time", box=None, pad_edge=False)
        table.columns[2].overflow = "fold"
        for s in trace.steps:
            mark = Text("✔ " if s.ok else "✘ ", style="green" if s.ok else "red")
            table.add_row(str(s.index), s.source, Text(f"{s.kind} {safe(s.target)}"),
                          mark + Text(safe(s.outcome)), f"{s.seconds:.1f}s")
        parts.append(table)
    else:
        parts.append(Text("steps      none", style="bold"))
    parts.append(Text(f"{trace.count('click')} clicks, {trace.count('scroll')} scrolls", style="dim"))
    return Group(*parts)
