"""Change detection: old/new records in, the exact change list (as JSON) out."""

from __future__ import annotations

from typing import Any

import pytest

from scraper.base.errors import InputError
from scraper.model.changes import (
    CHANGE_KINDS,
    Change,
    UnknownChangeKindError,
    detect_changes,
    filter_changes,
    summarise,
)
from scraper.model.record import Article, Comment, Record

# --- building records -----------------------------------------------------------------------------

ANN = Comment(id="1", author="Ann", published="2026-11-01T10:00:00Z", text="First!")
BOB = Comment(id="2", author="Bob", published="2026-11-01T11:00:00Z", text="I disagree.")
CY_REPLY = Comment(id="3", parent_id="1", author="Cy", published="2026-11-02T09:00:00Z", text="Welcome, Ann.")
# Id-less comments (the site gives none): identified by a fingerprint of author+published+text.
DEE = Comment(author="Dee", published="2026-11-03T08:00:00Z", text="Nice post.")
DEE_EDITED = Comment(author="Dee", published="2026-11-03T08:00:00Z", text="Very nice post.")
ANON = Comment(author="Anonymous", text="+1")

ARTICLE = Article(
    title="Budget vote delayed",
    author="Jo Reporter",
    published="2026-11-01T08:00:00Z",
    text="The vote was delayed.\n\nCouncil members disagreed.\n\nA new date is set.",
    tags=["politics", "budget"],
    likes=12,
)


def record(article: Article = ARTICLE, comments: list[Comment] | None = None) -> Record:
    return Record(
        url="https://example.org/a",
        final_url="https://example.org/a",
        fetched_at="2026-11-27T11:42:30Z",
        profile="wordpress",
        article=article,
        comments=list(comments or []),
    )


def with_text(*paragraphs: str) -> Article:
    return ARTICLE.model_copy(update={"text": "\n\n".join(paragraphs)})


def as_dict(comment: Comment) -> dict[str, Any]:
    return comment.model_dump(mode="json")


P1, P2, P3 = ARTICLE.paragraphs()

# --- detection, data-driven -----------------------------------------------------------------------

CASES = [
    pytest.param(record(comments=[ANN, BOB]), record(comments=[ANN, BOB]), [], id="nothing-changed"),
    pytest.param(
        record(comments=[ANN, BOB, DEE, CY_REPLY]),
        record(comments=[CY_REPLY, DEE, BOB, ANN]),
        [],
        id="reordering-only",
    ),
    pytest.param(
        record(comments=[ANN, BOB]),
        record(comments=[ANN, CY_REPLY, BOB]),
        [{"kind": "comment_added", "comment": as_dict(CY_REPLY), "notify": True}],
        id="reply-added",
    ),
    pytest.param(
        record(comments=[ANN, BOB]),
        record(comments=[ANN]),
        [{"kind": "comment_removed", "comment": as_dict(BOB), "notify": True}],
        id="comment-removed",
    ),
    pytest.param(
        record(comments=[ANN, BOB]),
        record(comments=[ANN, BOB.model_copy(update={"text": "I strongly disagree."})]),
        [
            {
                "kind": "comment_edited",
                "comment_id": "2",
                "author": "Bob",
                "field": "text",
                "old": "I disagree.",
                "new": "I strongly disagree.",
                "diff": [["=", "I "], ["+", "strongly "], ["=", "disagree."]],
                "notify": True,
            }
        ],
        id="comment-text-edited",
    ),
    pytest.param(
        record(comments=[ANN, CY_REPLY]),
        record(comments=[ANN, CY_REPLY.model_copy(update={"parent_id": None, "author": "Cyd"})]),
        [
            {
                "kind": "comment_edited",
                "comment_id": "3",
                "author": "Cyd",
                "field": "author",
                "old": "Cy",
                "new": "Cyd",
                "notify": True,
            },
            # new is None, so the JSON has no "new" key: the reply became top level.
            {
                "kind": "comment_edited",
                "comment_id": "3",
                "author": "Cyd",
                "field": "parent_id",
                "old": "1",
                "notify": True,
            },
        ],
        id="comment-author-and-parent-edited-one-change-per-field",
    ),
    pytest.param(
        record(comments=[ANN, DEE]),
        record(comments=[ANN, DEE_EDITED]),
        [
            {
                "kind": "comment_edited",
                "comment_id": DEE_EDITED.key(),
                "author": "Dee",
                "field": "text",
                "old": "Nice post.",
                "new": "Very nice post.",
                "diff": [["-", "Nice"], ["+", "Very nice"], ["=", " post."]],
                "notify": True,
            }
        ],
        id="idless-comment-edited-is-one-edit",
    ),
    pytest.param(
        record(comments=[DEE]),
        record(comments=[DEE.model_copy(update={"published": "2026-11-04T08:00:00Z", "text": "Spam."})]),
        [
            {"kind": "comment_removed", "comment": as_dict(DEE), "notify": True},
            {
                "kind": "comment_added",
                "comment": {
                    "id": None,
                    "parent_id": None,
                    "author": "Dee",
                    "published": "2026-11-04T08:00:00Z",
                    "text": "Spam.",
                },
                "notify": True,
            },
        ],
        id="idless-different-date-is-removed-plus-added",
    ),
    pytest.param(
        record(comments=[ANON, ANN]),
        record(comments=[ANON, ANN, ANON]),
        [{"kind": "comment_added", "comment": as_dict(ANON), "notify": True}],
        id="idless-duplicate-added",
    ),
    pytest.param(
        record(comments=[ANON, ANON, ANON]),
        record(comments=[ANON]),
        [
            {"kind": "comment_removed", "comment": as_dict(ANON), "notify": True},
            {"kind": "comment_removed", "comment": as_dict(ANON), "notify": True},
        ],
        id="idless-duplicates-removed",
    ),
    pytest.param(
        record(with_text(P1, P2, P3)),
        record(with_text(P1, "Council members agreed.", P3)),
        [
            {
                "kind": "article_edited",
                "paragraph": 2,
                "old": "Council members disagreed.",
                "new": "Council members agreed.",
                "diff": [["=", "Council members "], ["-", "disagreed."], ["+", "agreed."]],
                "notify": True,
            }
        ],
        id="paragraph-rewritten",
    ),
    pytest.param(
        record(with_text(P1, P2, P3)),
        record(with_text("Update: see below.", P1, P2, P3)),
        [{"kind": "article_edited", "paragraph": 1, "new": "Update: see below.", "notify": True}],
        id="paragraph-inserted",
    ),
    pytest.param(
        record(with_text(P1, P2, P3)),
        record(with_text(P1, P3)),
        [{"kind": "article_edited", "paragraph": 2, "old": P2, "notify": True}],
        id="paragraph-removed-keeps-old-position",
    ),
    pytest.param(
        record(with_text(P1, P2, P3)),
        record(with_text(P1, "Members disagreed.", "Loudly.", P3)),
        [
            {
                "kind": "article_edited",
                "paragraph": 2,
                "old": P2,
                "new": "Members disagreed.",
                "diff": [["-", "Council members"], ["+", "Members"], ["=", " disagreed."]],
                "notify": True,
            },
            {"kind": "article_edited", "paragraph": 3, "new": "Loudly.", "notify": True},
        ],
        id="replace-block-pairs-one-to-one-then-adds",
    ),
    pytest.param(
        record(ARTICLE),
        record(
            ARTICLE.model_copy(update={"title": "Budget vote postponed", "tags": ["budget"], "likes": 15})
        ),
        [
            {
                "kind": "article_changed",
                "field": "title",
                "old": "Budget vote delayed",
                "new": "Budget vote postponed",
                "notify": True,
            },
            {
                "kind": "article_changed",
                "field": "tags",
                "old": ["politics", "budget"],
                "new": ["budget"],
                "notify": True,
            },
            {"kind": "article_changed", "field": "likes", "old": 12, "new": 15, "notify": True},
        ],
        id="title-tags-likes-changed",
    ),
    pytest.param(
        record(ARTICLE),
        record(ARTICLE.model_copy(update={"tags": ["budget", "politics"]})),
        [],
        id="tags-reordered-only",
    ),
    pytest.param(
        record(ARTICLE, [ANN]),
        Record(
            url="https://example.org/a",
            final_url="https://example.org/a",
            fetched_at="2026-11-27T12:42:30Z",
            profile="wordpress",
        ),
        [
            {
                "kind": "profile_mismatch",
                "profile": "wordpress",
                "detail": "profile 'wordpress' matched nothing on the page (last good check had "
                "1 comment); keeping the last good record as the base",
                "notify": True,
            }
        ],
        id="empty-new-record-is-one-profile-mismatch",
    ),
    pytest.param(
        record(ARTICLE, [ANN]),
        Record(url="https://example.org/a", final_url="https://example.org/a",
               fetched_at="2026-11-27T12:42:30Z", profile="wordpress",
               warnings=["the article is empty: profile 'wordpress' found no title, text, byline, "
                         "tags or comments on this page"]),
        [
            {
                "kind": "profile_mismatch",
                "profile": "wordpress",
                # What the capture said about itself reaches the report.
                "detail": "profile 'wordpress' matched nothing on the page (last good check had "
                "1 comment); keeping the last good record as the base (the article is empty: "
                "profile 'wordpress' found no title, text, byline, tags or comments on this page)",
                "notify": True,
            }
        ],
        id="an-empty-record-s-warning-is-in-the-mismatch",
    ),
    pytest.param(
        record(ARTICLE, []),
        record(Article(likes=3), []),
        [
            {
                "kind": "profile_mismatch",
                "profile": "wordpress",
                "detail": "profile 'wordpress' matched nothing on the page (last good check had "
                "3 paragraphs of article text); keeping the last good record as the base",
                "notify": True,
            }
        ],
        id="empty-new-record-article-only-page",
    ),
    pytest.param(
        record(ARTICLE, [ANN, BOB]),
        record(
            with_text(P1, P2, "A new date is set: 3 December.").model_copy(update={"likes": 13}),
            [
                BOB.model_copy(update={"text": "I agree now."}),
                DEE,
                ANN.model_copy(update={"published": "2026-11-01T10:05:00Z"}),
            ],
        ),
        [
            {"kind": "article_changed", "field": "likes", "old": 12, "new": 13, "notify": True},
            {
                "kind": "article_edited",
                "paragraph": 3,
                "old": P3,
                "new": "A new date is set: 3 December.",
                "diff": [["=", "A new date is "], ["-", "set."], ["+", "set: 3 December."]],
                "notify": True,
            },
            {
                "kind": "comment_edited",
                "comment_id": "2",
                "author": "Bob",
                "field": "text",
                "old": "I disagree.",
                "new": "I agree now.",
                "diff": [["=", "I "], ["-", "disagree."], ["+", "agree now."]],
                "notify": True,
            },
            {
                "kind": "comment_edited",
                "comment_id": "1",
                "author": "Ann",
                "field": "published",
                "old": "2026-11-01T10:00:00Z",
                "new": "2026-11-01T10:05:00Z",
                "notify": True,
            },
            {"kind": "comment_added", "comment": as_dict(DEE), "notify": True},
        ],
        id="documented-order-article-fields-paragraphs-then-comments-in-new-page-order",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), CASES)
def test_detect_changes(old: Record, new: Record, expected: list[dict[str, Any]]) -> None:
    assert [change.to_dict() for change in detect_changes(old, new)] == expected


def test_first_check_is_the_baseline() -> None:
    assert detect_changes(None, record(comments=[ANN, BOB])) == []


def test_both_records_empty_is_no_change_not_a_mismatch() -> None:
    empty = record(Article(), [])
    assert detect_changes(empty, empty) == []


def test_removed_then_edited_then_added() -> None:
    old = record(comments=[ANN, BOB, CY_REPLY])
    new = record(comments=[DEE, BOB.model_copy(update={"text": "Hm."}), ANON])
    kinds = [(c.kind, c.comment_id or (c.comment or {}).get("text")) for c in detect_changes(old, new)]
    assert kinds == [
        ("comment_removed", "First!"),
        ("comment_removed", "Welcome, Ann."),
        ("comment_edited", "2"),
        ("comment_added", "Nice post."),
        ("comment_added", "+1"),
    ]


def test_same_comment_object_twice_counts_twice() -> None:
    # The multiset match works on positions, so even the very same object repeated is two comments.
    assert [c.kind for c in detect_changes(record(comments=[ANON, ANON]), record(comments=[ANON]))] == [
        "comment_removed"
    ]


def test_idless_edits_pair_in_page_order() -> None:
    first = Comment(author="Eve", published="2026-11-05", text="one")
    second = Comment(author="Eve", published="2026-11-05", text="two")
    new = [first.model_copy(update={"text": "one!"}), second.model_copy(update={"text": "two!"})]
    changes = detect_changes(record(comments=[first, second]), record(comments=new))
    assert [(c.kind, c.old, c.new) for c in changes] == [
        ("comment_edited", "one", "one!"),
        ("comment_edited", "two", "two!"),
    ]


def test_change_json_round_trips() -> None:
    changes = detect_changes(record(comments=[ANN]), record(comments=[ANN, CY_REPLY]))
    dumped = [c.to_dict() for c in changes]
    assert [Change.model_validate(d) for d in dumped] == changes


def test_change_refuses_unknown_keys() -> None:
    with pytest.raises(ValueError, match="extra"):
        Change.model_validate({"kind": "comment_added", "colour": "red"})


# --- filter_changes -------------------------------------------------------------------------------


def mixed_changes() -> list[Change]:
    return [
        Change(kind="article_changed", field="likes", old=1, new=2),
        Change(kind="comment_added", comment=as_dict(ANN)),
        Change(kind="comment_removed", comment=as_dict(BOB)),
    ]


def test_filter_changes_marks_kinds_not_asked_for() -> None:
    changes = mixed_changes()
    filtered = filter_changes(changes, ["comment_added", "comment_removed"])
    assert [(c.kind, c.notify) for c in filtered] == [
        ("article_changed", False),
        ("comment_added", True),
        ("comment_removed", True),
    ]
    assert all(c.notify for c in changes)  # copies: the input is untouched


def test_filter_changes_none_means_all_notify() -> None:
    silenced = filter_changes(mixed_changes(), [])
    assert [c.notify for c in silenced] == [False, False, False]
    assert [c.notify for c in filter_changes(silenced, None)] == [True, True, True]


def test_filter_changes_refuses_unknown_kinds_with_the_allowed_list() -> None:
    with pytest.raises(ValueError) as caught:
        filter_changes(mixed_changes(), ["comment_added", "comments_added", "likes"])
    assert str(caught.value) == (
        "unknown change kind 'comments_added', 'likes' in notify_on; allowed: comment_added, "
        "comment_removed, comment_edited, article_edited, article_changed, profile_mismatch, "
        "failing"
    )
    # An InputError too, so the CLI's single error handler exits with 2.
    assert isinstance(caught.value, UnknownChangeKindError)
    assert isinstance(caught.value, InputError)
    assert caught.value.exit_code == 2


def test_change_kinds() -> None:
    assert CHANGE_KINDS == (
        "comment_added",
        "comment_removed",
        "comment_edited",
        "article_edited",
        "article_changed",
        "profile_mismatch",
        "failing",
    )


# --- summarise ------------------------------------------------------------------------------------


def edited_comment(comment_id: str, field: str = "text") -> Change:
    return Change(kind="comment_edited", comment_id=comment_id, field=field, old="a", new="b")


def paragraph(position: int, old: str | None, new: str | None) -> Change:
    return Change(kind="article_edited", paragraph=position, old=old, new=new)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param([], "no changes", id="none"),
        pytest.param(
            [
                Change(kind="comment_added", comment={}),
                Change(kind="comment_added", comment={}),
                edited_comment("7"),
                paragraph(3, "x", "y"),
            ],
            "2 new comments, 1 comment edited, paragraph 3 of the article edited",
            id="the-example",
        ),
        pytest.param(
            [edited_comment("7", "text"), edited_comment("7", "author"), edited_comment("8")],
            "2 comments edited",
            id="edited-counts-comments-not-fields",
        ),
        pytest.param(
            [
                Change(kind="comment_removed", comment={}),
                paragraph(2, "x", None),
                paragraph(4, None, "y"),
                paragraph(5, None, "z"),
            ],
            "1 comment removed, paragraphs 4 and 5 of the article added, paragraph 2 of the article removed",
            id="removed-and-paragraphs",
        ),
        pytest.param(
            [paragraph(n, "x", "y") for n in (1, 2, 3, 4)],
            "4 paragraphs of the article edited",
            id="many-paragraphs-counted",
        ),
        pytest.param(
            [
                Change(kind="article_changed", field="title"),
                Change(kind="article_changed", field="likes"),
            ],
            "article title and likes changed",
            id="article-fields",
        ),
        pytest.param(
            [Change(kind="profile_mismatch", profile="wordpress", detail="...")],
            "profile 'wordpress' matched nothing",
            id="profile-mismatch",
        ),
    ],
)
def test_summarise(changes: list[Change], expected: str) -> None:
    assert summarise(changes) == expected


# --- a comment widget that failed to load ---------------------------------------------------------


def test_all_comments_vanishing_is_one_mismatch_not_a_wall_of_removals() -> None:
    changes = detect_changes(record(comments=[ANN, BOB, CY_REPLY]), record(comments=[]))
    assert [c.to_dict() for c in changes] == [{
        "kind": "profile_mismatch",
        "profile": "wordpress",
        "detail": "profile 'wordpress' found the article but none of the 3 comments of the last "
                  "good check; keeping the last good record as the base",
        "notify": True,
    }]


def test_the_only_comment_removed_is_a_removal() -> None:
    changes = detect_changes(record(comments=[ANN]), record(comments=[]))
    assert [c.kind for c in changes] == ["comment_removed"]


def test_all_but_one_removed_are_removals() -> None:
    changes = detect_changes(record(comments=[ANN, BOB, CY_REPLY]), record(comments=[BOB]))
    assert [c.kind for c in changes] == ["comment_removed", "comment_removed"]
