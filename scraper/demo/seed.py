"""The seed content: the AFP Lavrov article as the seed page shows it, plus invented comment threads.

The article text is copied from `seed/wordpress-article-page.txt` character for character, including
the no-break spaces (U+00A0) WordPress.com puts in "Syria:\u00a0Lavrov" and "(AFP)\u00a0–\u00a0Russia":
an extractor has to cope with them on the real site too.
"""

from __future__ import annotations

from typing import Final

ARTICLE_PATH: Final = "/2016/10/19/russia-seeks-honest-cooperation-in-syria-lavrov/"
BLOG_NAME: Final = "World Peace Watch"
TITLE: Final = "Russia seeks ‘honest’ cooperation in Syria:\u00a0Lavrov"
# The blog reposts the AFP wire story, so the wire agency is the byline.
AUTHOR: Final = "AFP"
PUBLISHED: Final = "2016-10-19T13:48:00+00:00"
CAPTION: Final = (
    "© AFP/File | More than 300,000 people have been killed since the start of the Syrian conflict"
    " in March 2011 At least 15 civilians were reported killed when two bombs fell several minutes"
    " apart, near a tent where people were receiving condolences for those killed this week."
)
PARAGRAPHS: Final[tuple[str, ...]] = (
    "ATHENS (AFP)\u00a0–\u00a0Russia seeks “honest cooperation” for a political solution in Syria,"
    " Foreign Minister Sergei Lavrov said on Wednesday as Moscow declared a brief truce in the"
    " war-ravaged city of Aleppo.",
    "“We hope our partners will draw (the) necessary conclusions (so that) we will all aim for"
    " honest cooperation… for a political process involving both the government and opposition"
    " forces,” Lavrov said at the start of an official visit to Greece.",
    "However, he insisted that Washington help enforce a United Nations Security Council resolution"
    " condemning support for extremist groups in Syria.",
    "“When we adopted this resolution, I remember US Secretary of State John Kerry’s words. He said:"
    " ‘Whoever wants to be part of (the political) process must sever links to terrorists’,”"
    " Lavrov said through a translator.",
    "“Almost a year has passed and we await these words to be carried out,” he added.",
    "Russia has accused the US-led coalition of failing to rein in hardline Syrian rebels, warning"
    " that the chances of a political settlement to the crisis was now remote.",
    "In turn, the West has accused Moscow of committing possible war crimes in Aleppo through"
    " indiscriminate bombing to support a brutal Syrian government offensive.",
    "Moscow has been conducting a bombing campaign in Syria in support of long-time ally Bashar"
    " al-Assad since September 2015.",
    "More than 300,000 people have been killed since Syria’s war devolved from a widespread protest"
    " movement against Assad’s rule in March 2011 to a multi-front war between rebels, jihadists,"
    " Kurds and regime forces.",
)
# Fifteen, like the seed's "Tags: , , , …"; in name order, as WordPress lists them.
TAGS: Final[tuple[str, ...]] = (
    "Aleppo", "Bashar al-Assad", "Ceasefire", "Greece", "John Kerry", "Moscow", "Russia",
    "Sergei Lavrov", "Syria", "Syrian Civil War", "UN Security Council", "United Nations",
    "United States", "War Crimes", "Washington",
)
LIKES: Final = 3

# The seed comment. Comment ids are site-wide and grow from here; `published` of a comment that
# gives none is FIRST_COMMENT_PUBLISHED + (id - FIRST_COMMENT_ID) minutes, so records reproduce.
FIRST_COMMENT_ID: Final = 4521
FIRST_COMMENT_PUBLISHED: Final = "2016-10-19T15:12:00+00:00"
SEED_AUTHOR: Final = "daveyone1"
SEED_AUTHOR_URL: Final = "https://worldpeaceforum.wordpress.com/"
SEED_TEXT: Final = "Reblogged this on World Peace Forum."
SEED_LINK_TEXT: Final = "World Peace Forum"
SEED_LINK_HREF: Final = (
    "https://worldpeaceforum.wordpress.com/2016/10/19/russia-seeks-honest-cooperation-in-syria-lavrov/"
)

# The long threads behind /lazy/ and /infinite/: (author, text, index of the parent in this list).
# Fourteen comments, three of them replies (one at depth 3), one with two paragraphs, one with
# characters that must be escaped.
LONG_THREAD: Final[tuple[tuple[str, str, int | None], ...]] = (
    ("Marta K.", "A truce announced the same day as a diplomatic visit. Convenient timing.", None),
    ("olegp", "Honest cooperation starts with honest reporting from Aleppo.", None),
    ("Nadia", "Does anyone know how long the truce is meant to last?", None),
    ("Marta K.", "Eight hours, according to the Russian defence ministry.", 2),
    ("jbriggs", "Kerry said much the same thing a year ago.\n\nNothing changed since.", None),
    ("Athens reader", "The visit to Greece was mostly about trade, judging by the local press.", None),
    ("Samir", "300,000 dead and we are still talking about who should talk to whom.", None),
    ("peacenik", "Ceasefire < peace & everybody knows it. <b>Not</b> a tag, just angry.", None),
    ("Lena", "The Security Council resolution is worth reading in full.", None),
    ("olegp", "Link? The UN site is a maze.", 8),
    ("Lena", "Search for the resolution number on un.org, it is the first hit.", 9),
    ("H. Osman", "Aleppo needs corridors, not statements.", None),
    ("tomw", "Good summary of a very confusing week.", None),
    ("Nadia", "Thanks for posting the full AFP text.", None),
)
