"""Pictures of changed items, without a browser: which box shows an item, and the crop of it."""

from __future__ import annotations

import io

from PIL import Image

from scraper.evidence.crops import Picture, Wanted, crop, find_box, wanted_items
from scraper.model.record import Article, Comment, Record
from scraper.reports.pictures import item_key

PARENT = {"kind": "comment", "x": 20, "y": 100, "w": 700, "h": 300, "id": "li-comment-1",
          "text": "Ann Says: The truce will not hold. Bob Says: Friday is three days away."}
REPLY = {"kind": "comment", "x": 60, "y": 250, "w": 660, "h": 120, "id": "li-comment-2",
         "text": "Bob Says: Friday is three days away."}
BOXES = {"dpr": 1, "items": [PARENT, REPLY]}


def png(width: int, height: int, box: dict[str, int], scale: int = 1) -> bytes:
    """A white page with the item's box drawn red."""
    image = Image.new("RGB", (width * scale, height * scale), "white")
    image.paste((255, 0, 0), (box["x"] * scale, box["y"] * scale, (box["x"] + box["w"]) * scale,
                              (box["y"] + box["h"]) * scale))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()


def test_the_smallest_box_that_shows_the_text_is_the_item() -> None:
    reply = Wanted("comment:2", "comment", "Friday is  three days away.", "2", old=False)
    assert find_box(BOXES, reply) is REPLY  # not its parent, which holds its text too
    # Text the profile rewrote (normalise) is not on the page: the element's id still finds it.
    renamed = Wanted("comment:1", "comment", "(rewritten)", "1", old=False)
    assert find_box(BOXES, renamed) is PARENT
    assert find_box(BOXES, Wanted("paragraph:1", "paragraph", "Friday", None, old=False)) is None


def test_a_crop_is_at_most_600_pixels_wide_and_says_where_the_item_is() -> None:
    for scale in (1, 2):  # a device pixel ratio of 2 gives the same crop, scaled down
        boxes = {"dpr": scale, "items": [REPLY]}
        picture = Picture(png(1280, 800, REPLY, scale), boxes)
        made = crop(picture, Wanted("comment:2", "comment", "Friday is three days away.", "2", False))
        assert made is not None
        data, (left, top, width, height) = made
        image = Image.open(io.BytesIO(data)).convert("RGB")
        assert image.width == 600  # 660 CSS pixels of item, scaled down
        assert left >= 0 and left + width <= image.width and top + height <= image.height
        inside = image.getpixel((left + width // 2, top + height // 2))
        outside = image.getpixel((max(0, left - 3), max(0, top - 3)))
        assert isinstance(inside, tuple) and isinstance(outside, tuple)
        assert inside[0] > 200 and inside[1] < 60, "the item's middle is red"
        assert min(outside) > 200, "the margin around it is the page (white)"


def test_each_change_names_its_item_and_the_text_to_find_it_by() -> None:
    record = Record(url="u", final_url="u", fetched_at="2026-12-05T00:00:00Z", profile="p",
                    article=Article(text="One.\n\nTwo, edited."),
                    comments=[Comment(id="7", author="Ann", text="Now this.")])
    changes = [
        {"kind": "comment_removed", "comment": {"id": "5", "text": "Gone."}},
        {"kind": "comment_edited", "comment_id": "7", "field": "author", "old": "A", "new": "Ann"},
        {"kind": "article_edited", "paragraph": 2, "old": "Two.", "new": "Two, edited."},
        {"kind": "article_edited", "paragraph": 3, "old": "Three.", "new": None},
        {"kind": "article_changed", "field": "title", "old": "a", "new": "b"},
    ]
    assert [item_key(c) for c in changes] == [
        "comment:5", "comment:7", "paragraph:2", "paragraph:3", None]
    assert [(w.item, w.text, w.old) for w in wanted_items(changes, record)] == [
        ("comment:5", "Gone.", True), ("comment:7", "Now this.", False),
        ("paragraph:2", "Two, edited.", False), ("paragraph:3", "Three.", True)]
    fingerprinted = {"kind": "comment_added", "comment": {"author": "Eve", "text": "No id."}}
    assert item_key(fingerprinted) == "comment:" + Comment(author="Eve", text="No id.").key()
