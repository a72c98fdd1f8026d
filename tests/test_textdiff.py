"""word_diff: exact segments for typical edits, and lossless reconstruction of both sides."""

from __future__ import annotations

import itertools
import random

import pytest

from scraper.model.textdiff import Segment, word_diff


def old_side(diff: list[Segment]) -> str:
    return "".join(text for op, text in diff if op != "+")


def new_side(diff: list[Segment]) -> str:
    return "".join(text for op, text in diff if op != "-")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param("same text", "same text", [("=", "same text")], id="unchanged"),
        pytest.param("", "", [], id="both-empty"),
        pytest.param("", "new text", [("+", "new text")], id="from-empty"),
        pytest.param("old text", "", [("-", "old text")], id="to-empty"),
        pytest.param(
            "The quick brown fox",
            "The slow brown fox",
            [("=", "The "), ("-", "quick"), ("+", "slow"), ("=", " brown fox")],
            id="one-word-replaced",
        ),
        pytest.param(
            "first comment",
            "first comment edited",
            [("=", "first comment"), ("+", " edited")],
            id="word-appended",
        ),
        pytest.param(
            "a b c d e",
            "a c e",
            [("=", "a"), ("-", " b"), ("=", " c "), ("-", "d "), ("=", "e")],
            id="words-deleted",
        ),
        # The space between two replaced words joins the replacement instead of splitting it
        # into -b +x = -c +y.
        pytest.param(
            "a b c d",
            "a x y d",
            [("=", "a "), ("-", "b c"), ("+", "x y"), ("=", " d")],
            id="adjacent-words-replaced-as-one",
        ),
        pytest.param(
            "hello  world",
            "hello world",
            [("=", "hello"), ("-", "  "), ("+", " "), ("=", "world")],
            id="whitespace-only-change",
        ),
        # Split on whitespace only: punctuation belongs to its word.
        pytest.param(
            "no id here",
            "no id here, edited",
            [("=", "no id "), ("-", "here"), ("+", "here, edited")],
            id="punctuation-is-part-of-the-word",
        ),
    ],
)
def test_word_diff_segments(old: str, new: str, expected: list[Segment]) -> None:
    assert word_diff(old, new) == expected


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("", ""),
        ("  leading and trailing  ", "leading and trailing"),
        ("line one\nline two\n", "line one\n\tline 2\n"),
        ("a a a a", "a b a b a"),
        ("Ünïcödé wörds \u2014 dash", "Unicode wörds \u2013 dash"),
        (" ".join(f"w{i}" for i in range(300)), " ".join(f"w{i}" for i in range(0, 300, 2))),
        ("x", "   "),
    ],
)
def test_word_diff_rebuilds_both_texts(old: str, new: str) -> None:
    diff = word_diff(old, new)
    assert (old_side(diff), new_side(diff)) == (old, new)
    # Canonical form: no empty segment and no two neighbours with the same op.
    assert all(text for _, text in diff)
    assert all(a[0] != b[0] for a, b in itertools.pairwise(diff))


def test_long_texts_still_align_word_by_word() -> None:
    # Over 200 tokens, SequenceMatcher's autojunk treats every frequent token (" ", "the", "of")
    # as junk, and a one-word edit in a long paragraph turns into a rewrite of most of it.
    rng = random.Random(0)  # seeded: the same "prose" of common words on every run
    words = [rng.choice(["the", "a", "of", "and", "to", "in", "council", "vote"]) for _ in range(120)]
    edited = [*words[:61], "CHANGED", *words[62:]]
    assert word_diff(" ".join(words), " ".join(edited)) == [
        ("=", " ".join(words[:61]) + " "),
        ("-", words[61]),
        ("+", "CHANGED"),
        ("=", " " + " ".join(words[62:])),
    ]
