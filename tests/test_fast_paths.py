"""The shortcuts that made checks cheaper (issue 10) give the same answers as the long way."""

from __future__ import annotations

import os
from pathlib import Path

from parsel import Selector

from scraper.extract.fields import native_xpath, select
from scraper.profiles import load_profiles


def test_has_class_in_xpath_matches_as_parsel_s_own() -> None:
    html = ('<div class="a  entry-content\tb"><p>1</p></div><div class="entry-contents"><p>2</p></div>'
            '<div class="\nentry-content\n"><p>3</p></div><div class="x"><p>4</p></div>')
    expr = "//*[has-class('entry-content')]/p/text()"
    assert "has-class" not in native_xpath(expr)
    page = Selector(text=html)
    assert [s.get() for s in select(page, expr)] == page.xpath(expr).getall() == ["1", "3"]


def test_loaded_profiles_follow_their_files(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    mine = folder / "mine.yaml"
    mine.write_text("name: mine\ndescription: first\n")
    assert load_profiles([folder])["mine"].description == "first"
    assert load_profiles([folder]) is not load_profiles([folder])  # each caller gets its own dict
    mine.write_text("name: mine\ndescription: second one\n")
    stamp = mine.stat().st_mtime_ns
    os.utime(mine, ns=(stamp, stamp + 1_000_000))  # a new time even on a coarse clock
    assert load_profiles([folder])["mine"].description == "second one"
    (folder / "other.yaml").write_text("name: other\n")
    assert set(load_profiles([folder])) == {"mine", "other"}
