"""Test sites: small static pages (`static/`), test-only profiles (`profiles/`), and what the demo's
seed page must come back as.

The test profiles all `extends: wordpress` and declare no `match:`, so they are used only when a test
names them; `use_test_profiles` puts them beside the built-in ones.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

SITES = Path(__file__).resolve().parent
STATIC = SITES / "static"
PROFILES = SITES / "profiles"
BUILTIN_PROFILES = SITES.parents[1] / "selectors"
FETCHED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

# What the demo's seed page says once its JavaScript has run, written out in full: the record a
# capture must give. The caption is the first paragraph of the post body, as on the seed page; the
# page's no-break spaces (U+00A0, in the title and the dateline) are folded to plain spaces, as the
# README's record shows.
SEED_ARTICLE: dict[str, Any] = {
    "title": "Russia seeks ‘honest’ cooperation in Syria: Lavrov",
    "author": "AFP",
    "published": "2016-10-19T13:48:00+00:00",
    "text": "\n\n".join([
        "© AFP/File | More than 300,000 people have been killed since the start of the Syrian"
        " conflict in March 2011 At least 15 civilians were reported killed when two bombs fell"
        " several minutes apart, near a tent where people were receiving condolences for those"
        " killed this week.",
        "ATHENS (AFP) – Russia seeks “honest cooperation” for a political solution in"
        " Syria, Foreign Minister Sergei Lavrov said on Wednesday as Moscow declared a brief truce"
        " in the war-ravaged city of Aleppo.",
        "“We hope our partners will draw (the) necessary conclusions (so that) we will all aim for"
        " honest cooperation… for a political process involving both the government and"
        " opposition forces,” Lavrov said at the start of an official visit to Greece.",
        "However, he insisted that Washington help enforce a United Nations Security Council"
        " resolution condemning support for extremist groups in Syria.",
        "“When we adopted this resolution, I remember US Secretary of State John Kerry’s words. He"
        " said: ‘Whoever wants to be part of (the political) process must sever links to"
        " terrorists’,” Lavrov said through a translator.",
        "“Almost a year has passed and we await these words to be carried out,” he added.",
        "Russia has accused the US-led coalition of failing to rein in hardline Syrian rebels,"
        " warning that the chances of a political settlement to the crisis was now remote.",
        "In turn, the West has accused Moscow of committing possible war crimes in Aleppo through"
        " indiscriminate bombing to support a brutal Syrian government offensive.",
        "Moscow has been conducting a bombing campaign in Syria in support of long-time ally"
        " Bashar al-Assad since September 2015.",
        "More than 300,000 people have been killed since Syria’s war devolved from a widespread"
        " protest movement against Assad’s rule in March 2011 to a multi-front war between"
        " rebels, jihadists, Kurds and regime forces.",
    ]),
    "tags": [
        "Aleppo", "Bashar al-Assad", "Ceasefire", "Greece", "John Kerry", "Moscow", "Russia",
        "Sergei Lavrov", "Syria", "Syrian Civil War", "UN Security Council", "United Nations",
        "United States", "War Crimes", "Washington",
    ],
    "likes": 3,
}
SEED_COMMENT: dict[str, Any] = {
    "id": "4521", "parent_id": None, "author": "daveyone1",
    "published": "2016-10-19T15:12:00+00:00", "text": "Reblogged this on World Peace Forum.",
}
# Text of the page around the post that must never leak into `article.text`.
BOILERPLATE = ("Leave a Reply", "Fill in your details", "bloggers like this", "Share this",
               "Like this", "Recent Comments", "Connecting to")


# Every field of the seed page comes from the wordpress profile's own selectors.
SEED_SOURCES = {field: "profile" for field in
                ("title", "author", "published", "tags", "likes", "text", "comments")}


def seed_record(url: str, fetched_at: str) -> dict[str, Any]:
    """The whole record of the untouched seed page at `url` (fetched_at is the capture's own)."""
    return {
        "url": url, "final_url": url, "fetched_at": fetched_at, "profile": "wordpress",
        "article": SEED_ARTICLE, "comments": [SEED_COMMENT], "sources": SEED_SOURCES, "warnings": [],
    }


def use_test_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in profiles plus the test profiles (tests/sites/profiles)."""
    monkeypatch.setenv("SCRAPER_PROFILES", os.pathsep.join([str(BUILTIN_PROFILES), str(PROFILES)]))


def failed_for_its_deadline(message: str, deadline: float) -> bool:
    """Whether `message` is the failure a deadline of `deadline` seconds makes on a page that never
    gets ready (demo-never-ready): the ready wait cut at what the deadline left it, the bound named
    (the condition it was on when cut: the profile's network idle, then `false`); or, on a machine
    so busy that the page load itself used the deadline up, the job's deadline."""
    said = re.search(r"page never became ready \((?:false|network idle)\) within (-?\d+\.\d)s", message)
    if said is not None:
        return float(said.group(1)) <= deadline
    return f"deadline of {deadline:g}s passed before the page was captured" in message
