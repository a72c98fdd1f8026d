"""Extraction accuracy on every page we have, next to trafilatura on the same HTML.

Pages (each with a reference written from its markup, kept in the tests):
- the saved real pages (tests/pages), as saved;
- the same pages as unknown themes (every class the `wordpress` profile reads renamed, as in
  tests/test_unknown_pages.py);
- the comment markup of the theme and plugin families (tests/test_comment_families.py);
- the article blocks plugins and site types print (tests/test_article_blocks.py);
- a real WordPress with each bundled theme (tests/sites/wordpress), rendered by Chromium.

Per set: comment recall (expected comments found, by id where the page gives one, and by their
opening words), leaks (pages where comment text reached the article), and article recall (reference
sentences found in the article text). The profile is chosen as `scraper capture` chooses it.
`--families` also prints each family's figures (comment and article recall), one row per family.
trafilatura runs with comments on, and its comment text is searched for each comment's opening.
`--chart FILE` also writes the figures as an SVG bar chart (the README's picture).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

from scraper.extract import PageContent, extract
from scraper.profiles import matching

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.test_article_blocks import BLOCKS, block_html  # noqa: E402
from tests.test_comment_families import FAMILIES, POST, family_html  # noqa: E402
from tests.test_real_pages import PAGES, PROFILES, html_of  # noqa: E402
from tests.test_unknown_pages import unknown_theme  # noqa: E402

OPENING = 30  # characters of a comment's text that identify it
BLUE, OCHRE = "#2a7ab0", "#c8a03c"


def fold(text: str | None) -> str:
    return " ".join((text or "").split())


def sentences(text: str) -> list[str]:
    return [s for s in (fold(x) for x in re.split(r"(?<=[.!?])\s+|\n+", text)) if len(s) >= 15]


@dataclass
class Case:
    html: str
    comments: list[tuple[str | None, str]]  # (id, opening words)
    reference: list[str]  # sentences of the article


@dataclass
class Score:
    comments: int = 0
    found: int = 0
    leaks: int = 0
    sentences: int = 0
    kept: int = 0
    pages: int = 0

    def add(self, other: Score) -> None:
        for name in ("comments", "found", "leaks", "sentences", "kept", "pages"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def recall(self) -> str:
        return f"{self.found}/{self.comments}" if self.comments else "-"

    def article(self) -> str:
        return f"{self.kept}/{self.sentences}"

    def row(self) -> str:
        recall = self.found / self.comments if self.comments else 1.0
        article = self.kept / self.sentences if self.sentences else 1.0
        found = f"({self.found}/{self.comments})"
        comments = f"{recall:6.0%} {found:9}" if self.comments else f"{'-':>6} {'':9}"
        return f"{comments}  {self.leaks:3} of {self.pages:2}  {article:6.0%}"


@dataclass
class Result:
    name: str
    scraper: Score = field(default_factory=Score)
    trafilatura: Score = field(default_factory=Score)


def _score_text(article: str, comments_text: str, case: Case, found_ids: dict[str | None, str]) -> Score:
    score = Score(comments=len(case.comments), sentences=len(case.reference), pages=1)
    article = fold(article)
    for cid, opening in case.comments:
        got = found_ids.get(cid, "") if cid is not None and found_ids else comments_text
        score.found += opening in fold(got)
    score.leaks = int(any(len(o) >= 20 and o in article for _, o in case.comments))
    score.kept = sum(s in article for s in case.reference)
    return score


def score(case: Case, result: Result) -> None:
    page = PageContent(url="https://pages.test/p", final_url="https://pages.test/p",
                       fetched_at="2026-01-01T00:00:00Z", html=case.html)
    profile = matching.by_detection(PROFILES, case.html) or matching.fallback(PROFILES)
    record = extract(page, profile)
    by_id = {c.id: fold(c.text) for c in record.comments if c.id is not None}
    everything = " ".join(fold(c.text) for c in record.comments)
    result.scraper.add(_score_text(record.article.text or "", everything, case,
                                   by_id if all(cid for cid, _ in case.comments) else {}))
    doc = trafilatura.bare_extraction(case.html, include_comments=True, with_metadata=False)
    data = (doc if isinstance(doc, dict) else doc.as_dict()) if doc is not None else {}
    result.trafilatura.add(_score_text(data.get("text") or "", data.get("comments") or "", case, {}))


def saved_cases(transform: bool) -> Iterator[Case]:
    truth = json.loads((REPO / "tests/pages/aeb/ground-truth.json").read_text(encoding="utf-8"))
    for p in PAGES:
        html = html_of(p.path)
        key = p.path.removeprefix("aeb/").removesuffix(".html")
        reference = sentences(truth[key]["articleBody"]) if key in truth else [p.first, p.last]
        yield Case(unknown_theme(html) if transform else html,
                   [(cid, fold(start)[:OPENING]) for cid, _, _, start in p.comments], reference)


def family_cases() -> Iterator[tuple[str, Case]]:
    for family in FAMILIES:
        expected = [(cid, fold(text)[:OPENING]) for cid, _, _, _, text in family.expected]
        yield family.name, Case(family_html(family), expected, sentences(re.sub(r"<[^>]+>", " ", POST)))


def block_cases() -> Iterator[tuple[str, Case]]:
    for block in BLOCKS:
        yield block.name, Case(block_html(block), [], [fold(s) for s in block.sentences])


def wordpress_cases() -> Iterator[tuple[str, Case]]:
    from scraper.browser import BrowserSession
    from scraper.config.settings import load_settings
    from scraper.pipeline.capture import render_url
    from tests.sites.wordpress import THEMES, THREAD, WordPressSite, missing

    if missing():
        print(f"(WordPress themes skipped: install {', '.join(missing())})")
        return
    home = Path(tempfile.mkdtemp(prefix="scraper-wp-"))
    with WordPressSite(home) as wp, BrowserSession(load_settings()) as session:
        for theme in THEMES:
            wp.theme(theme)
            html = render_url(session, wp.post_url).page.html
            comments = [(wp.comment_ids[c["key"]], fold(c["text"].replace(":)", "🙂"))[:OPENING])
                        for c in THREAD["comments"] if c.get("type") != "pingback"]
            yield theme, Case(html, comments, THREAD["paragraphs"])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-wordpress", action="store_true", help="skip the live WordPress themes")
    parser.add_argument("--chart", type=Path, help="write an SVG bar chart of the totals here")
    parser.add_argument("--families", action="store_true", help="also print each family's figures")
    args = parser.parse_args()
    sets = [Result("saved pages"), Result("same pages, unknown themes"), Result("theme families"),
            Result("article blocks")]
    for case in saved_cases(False):
        score(case, sets[0])
    for case in saved_cases(True):
        score(case, sets[1])
    families = []
    for index, cases in ((2, family_cases()), (3, block_cases())):
        for name, case in cases:
            family = Result(name)
            score(case, family)
            sets[index].scraper.add(family.scraper)
            sets[index].trafilatura.add(family.trafilatura)
            families.append(family)
    if not args.no_wordpress:
        sets.append(Result("WordPress themes"))
        for _, case in wordpress_cases():
            score(case, sets[-1])
    total = Result("all")
    for result in sets:
        total.scraper.add(result.scraper)
        total.trafilatura.add(result.trafilatura)
    print(f"{'':28} {'':12} {'comments found':18} {'leaks':8} {'article sentences'}")
    for result in [*sets, total]:
        for tool in ("scraper", "trafilatura"):
            print(f"{result.name:28} {tool:12} {getattr(result, tool).row()}")
    if args.families:
        print(f"\n{'family':28} {'comments (scraper)':19} {'trafilatura':13} "
              f"{'article (scraper)':18} {'trafilatura'}")
        for family in families:
            print(f"{family.name:28} {family.scraper.recall():19} {family.trafilatura.recall():13} "
                  f"{family.scraper.article():18} {family.trafilatura.article()}")
    if args.chart:
        args.chart.write_text(chart(total.scraper, total.trafilatura), encoding="utf-8")
        print(f"chart: {args.chart}")
    return 0


def chart(ours: Score, theirs: Score) -> str:
    """Three pairs of bars (comments found, pages without a leak, article sentences found), as SVG."""
    def shares(s: Score) -> list[float]:
        return [s.found / max(s.comments, 1), 1 - s.leaks / max(s.pages, 1), s.kept / max(s.sentences, 1)]

    labels = ["comments found", "pages without comment text in the article", "article sentences found"]
    width, bar, gap, top = 640, 22, 14, 30
    rows = []
    for i, (label, a, b) in enumerate(zip(labels, shares(ours), shares(theirs), strict=True)):
        y = top + i * (2 * bar + gap + 22)
        rows.append(f'<text x="10" y="{y - 6}" font-size="13">{label}</text>')
        for j, (tool, value, colour) in enumerate((("scraper", a, BLUE), ("trafilatura", b, OCHRE))):
            length, at = (width - 200) * value, y + j * bar
            rows += [
                f'<rect x="100" y="{at}" width="{length:.0f}" height="{bar - 4}" fill="{colour}"/>',
                f'<text x="10" y="{at + 14}" font-size="12">{tool}</text>',
                f'<text x="{106 + length:.0f}" y="{at + 14}" font-size="12">{value:.0%}</text>',
            ]
    height = top + 3 * (2 * bar + gap + 22) + 10
    rows.append(f'<text x="10" y="{height - 12}" font-size="11" fill="#555">{ours.pages} pages, '
                f'{ours.comments} comments (benchmarks/accuracy.py)</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>'
            + "".join(rows) + "</svg>\n")


if __name__ == "__main__":
    sys.exit(main())
