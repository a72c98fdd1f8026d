"""The built-in `wordpress` profile on real saved pages: what each page says, comment by comment.

Every expectation below was read off the page's markup, not off the profile's output: each comment
`li`/`div` and its id, the nesting of replies, the commenter's name as printed, the first words of the
comment, the post's heading and date, and the first and last sentences of the post (for the benchmark
pages, `aeb/`, the same sentences are checked against `ground-truth.json`). Texts are compared with
whitespace folded, since paragraphs are joined by blank lines.

The pure tests extract from the saved HTML; the browser tests serve a few pages from 127.0.0.1 to a
Chromium that can reach nothing else, and check that a real capture finds the same record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

from scraper.browser import BrowserSession
from scraper.extract import PageContent, extract
from scraper.model.record import Record
from scraper.pipeline.capture import capture
from scraper.profiles import load_profiles, matching
from tests.fixtures.pages import REPO, pages_root

pytestmark = pytest.mark.usefixtures("pages_dir")  # a clear failure when the pages are missing

PROFILES = load_profiles([REPO / "selectors"])
BOILERPLATE = ("Leave a Reply", "Fill in your details", "bloggers like this")

# (id, parent_id, author, first words of the text)
Row = tuple[str, str | None, str, str]


@dataclass(frozen=True)
class Page:
    path: str  # inside the pages folder
    title: str
    author: str | None
    published: str | None
    first: str  # the article's first sentence
    last: str  # and its last
    comments: tuple[Row, ...]
    first_comment_published: str  # as the page gives it: ISO-8601, or its own words

    @property
    def name(self) -> str:
        parts = self.path.split("/")
        return parts[1] if parts[0] == "readability" else parts[1][:6]


PAGES = (
    Page(
        # hacks.mozilla.org: hAtom comments (cite.fn, blockquote.entry-content), one reply.
        "readability/002/source.html",
        title="This API is so Fetching!",
        author="Nikhil Marathe",
        published="2015-03-10T08:05:41-07:00",
        first="For more than a decade the Web has used XMLHttpRequest (XHR) to achieve asynchronous "
        "requests in JavaScript.",
        last="The author would like to thank Andrea Marchesini, Anne van Kesteren and Ben Kelly for "
        "helping with the specification and implementation.",
        first_comment_published="2015-03-11",  # abbr.published title: a date without a time
        comments=(
            ("17303", None, "Alexander Petrov", "how do you abort a fetch?"),
            ("17305", "17303", "Nikhil Marathe", "At this point there is no way to do so. As"),
        ),
    ),
    Page(
        # blog.nightly.mozilla.org: ol.comment-list of hAtom comments, no replies.
        "readability/firefox-nightly-blog/source.html",
        title="These Weeks in Firefox: Issue 85",
        author="Mike Conley",
        published="2020-12-18T16:09:48+00:00",
        first="Here’s our Firefox Year in Review!",
        last="Fixed a bug where search engines were being re-added on startup after their removal, "
        "when using a language pack (Bug 1675624)",
        first_comment_published="2020-12-24",
        comments=(
            ("7443", None, "Alan Goodale", "Enhancement: Are there plans to provide a"),
            ("7588", None, "John Doe", "Thank you for fixing Bug 1553982! I have"),
        ),
    ),
    Page(
        # WP Tavern: the Epoch comments plugin (div#comment-N[data-comment-id], replies nested in
        # div.epoch-child up to four levels); its time[datetime] says "comment_date", so the dates
        # are the permalinks' words. "Ammon" has no website: a bare text node, not a link.
        "readability/wordpress/source.html",
        title="Stack Overflow Jobs Data Shows ReactJS Skills in High Demand, WordPress Market "
        "Oversaturated with Developers",
        author="Sarah Gooding",
        # The header's time element; the og meta says 23:16:02+00:00 (the page disagrees by an hour).
        published="2017-03-09T18:16:02-04:00",
        first="Stack Overflow published its analysis of 2017 hiring trends based on the targeting "
        "options employers selected when posting to Stack Overflow Jobs.",
        last="These are both highly portable skills that are in demand on the web.",
        first_comment_published="March 10, 2017 at 12:20 AM",
        comments=(
            ("215101", None, "Sallie Goetsch (rhymes with sketch)", "If there were really no"),
            ("215114", None, "Rarst", "One nuance of over saturation number might be"),
            ("215125", "215114", "Barry Kooij", "I feel like you’re 100% right on this one."),
            ("215173", "215125", "Ahmad Awais", "Would you put yourself in that category of"),
            ("215254", "215173", "Barry Kooij", "If I consider myself a ‘page builder’? If"),
            ("215219", "215114", "Ammon", "You’re 100% correct Rarst. In my opinion, if"),
            ("215302", "215114", "Ashiquzzaman", "Agree with you. WordPress is heading towards"),
            ("215128", None, "djsteveb", "tons of wordpress devs – and yet hardly any"),
            ("215138", "215128", "Slava Abakumov", "I’m a “BuddyPress developer”, as well as"),
            ("215176", None, "Rick Rottman", "Why doesn’t WordPress have some kind of"),
            ("215180", "215176", "Sallie Goetsch", "In theory, this might be a good idea, though"),
            ("215186", "215180", "Rick Rottman", "WordPress.org should do the certifications."),
            ("215190", "215186", "Sallie Goetsch (rhymes with sketch)", "Were you volunteering"),
        ),
    ),
    Page(
        # theantijunecleaver.com (Soledad theme): div.comment items, schema.org itemprops.
        "aeb/0e014df693f182824fe5e24030ddbe1d0b96ddb9685cf20d5766457ed32ffa2d.html",
        title="Hiking the Boulder Flat Irons",
        author="Regan",
        published="2014-09-15T14:22:02-05:00",
        first="This shop has been compensated by #CollectiveBias, Inc. and its advertiser.",
        last="How do you make sure that you stay hydrated?",
        first_comment_published="2014-09-17T13:01:26-05:00",  # span.date[datetime]
        comments=(("13925", None, "Stephanie", "We also fill our refillable bottles before"),),
    ),
    Page(
        # kabarislamia.com (WordPress.com, Kubrick-style theme): one pingback, dated in Indonesian.
        "aeb/21486419bb109c5a62a68957f528e6ff29c92f58d8d3c1f2837c86ff3f3e11f9.html",
        title="Jangan Membenci Satu Kaum Secara Berlebihan",
        author=None,  # "by Admin" is bare text in the post info line
        published="2015-03-30T02:40:29+00:00",  # the page shows "Maret 30, 2015"; meta has the time
        first="Mudah2an kita bisa memahami dan mengamalkan Al Qur’an dan Hadits ini.",
        last="[Ni’matul Ukhuwah hal. 41]",
        first_comment_published="Desember 30, 2015 at 4:36 am",
        comments=(
            ("5755", None, "Pembuat Film Fitna Dirikan Partai Islam Di Eropa | Berita Islami",
             "[…] https://kabarislamia.com/2015/03/30/jangan-membenci-satu-kaum"),
        ),
    ),
    Page(
        # comoeducarseusfilhos.com.br (Hybrid theme): html5 comments in article, one reply.
        "aeb/3252222e61fe78982cffe0b0bad2b089c27b32f65852d1c5d3951517f3c2e295.html",
        title="A Fantástica Loja dos Materiais Educativos",
        author="Carlos Nadalim",
        published="2018-08-23T09:00:40+00:00",
        first="O prof. Carlos Nadalim apresenta, neste vídeo, uma loja incrível nos EUA, repleta de "
        "materiais didáticos, livros e uma quantidade enorme de recursos educativos para crianças.",
        last="Clique aqui: https://goo.gl/FDS4xU.",
        first_comment_published="2018-08-28T19:38:42+00:00",
        comments=(
            ("22741", None, "Karol", "Olá; qual o nome dessa loja? Obrigada!"),
            ("22746", "22741", "Lilian", "Karol, acredito sue seja a loja “Lakeshore"),
        ),
    ),
    Page(
        # theantijunecleaver.com again: the reply's div sits inside its parent's div.
        "aeb/4219d096902dad9fd9d57e881e7928ca66bdf5334c2bc7dfddaa264887777a7a.html",
        title="Homemade Spiced Honey Pear Jam for the Holidays",
        author="Regan",
        published="2017-12-06T09:54:11-05:00",
        first="This holiday season I was thinking of flavors that would put me in the holiday "
        "spirit when it came to me.",
        last="© Regan",  # the end of the recipe card (a section in the post)
        first_comment_published="2019-08-17T14:19:00-05:00",
        comments=(
            ("70112", None, "Cherie McCluney", "I made this jam today and it turned out"),
            ("70129", "70112", "Regan", "Hi Cherie, I’m glad you liked it and thanks"),
        ),
    ),
    Page(
        # ProFootballTalk: WordPress core html5 walker (b.fn, time[datetime], div.comment-content),
        # 34 comments, no replies; display names differ from the comment-author-* classes.
        "aeb/8e3efab59f48fd29a1e1e7aa135880c4251a9f090f94999668cdbaec59d30b5a.html",
        title="Anthony Lynn: “We needed to win this game”",
        author="Michael David Smith",  # "Posted by Michael David Smith"
        published="2019-11-19T11:21:08+00:00",  # the page shows "November 19, 2019, 6:21 AM EST"
        first="Chargers coach Anthony Lynn recognizes that his team’s playoff hopes are somewhere "
        "between slim and none after Monday night’s loss to the Chiefs.",
        last="Lynn is right: The Chargers needed to win that game.",
        first_comment_published="2019-11-19T06:34:04-05:00",
        comments=(
            ("7063777", None, "thelastchargersfan", "It’s a good thing we have no fans left"),
            ("7063784", None, "joetoronto", "It’s time for both Chargers fans to come to"),
            ("7063789", None, "theprocess12", "As usual too many mistakes by Rivers. As good"),
            ("7063796", None, "v2787", "Rivers is done. Get a new QB, Chargers."),
            ("7063801", None, "4hourelection", "Feckless Chargers. Always the same."),
            ("7063820", None, "margoadams", "Another team suffering from a Super Bowl run"),
            ("7063823", None, "MortimerInMiami", "Chargers are on the clock!"),
            ("7063842", None, "sammievee", "If you needed to win, understand that teams"),
            ("7063876", None, "mroklahoma", "What’s he supposed to say?"),
            ("7063895", None, "6ringsandarapist", "Did anyone really think the Chargers would"),
            ("7063917", None, "lonespeed", "Philip Rivers looked like an aging"),
            ("7063927", None, "theguiceisright", "“Yes, I need to bench Rivers”* I actually"),
            ("7063932", None, "C. M.", "Obviously Rivers didn’t want too"),
            ("7063943", None, "solo681", "Why did you not have a plan to bench Rivers,"),
            ("7063944", None, "jjackwagon", "Titans ran the ball right down the throat of"),
            ("7064009", None, "shutupbrees", "two weeks in a row the Chargers run for over"),
            ("7064032", None, "Bob. Just Bob.", "Time to put Rivers on the shelf. The dude"),
            ("7064041", None, "6ringsandarapist", "Father time just pulled out his whoopin stick."),
            ("7064056", None, "bobmillion", "The Chargers desperately need an"),
            ("7064059", None, "jbaxt", "Two things… Why would you stop running"),
            ("7064096", None, "devindenv", "Chiefs Offense, without Hill, isn’t as"),
            ("7064178", None, "fartweasel", "Rivers is done. He just hasn’t accepted it"),
            ("7064179", None, "patsfan4lifesbchamps", "Anthony Lynn is in over his head"),
            ("7064199", None, "psi0016000", "The Chargers should sign Kapernick and make"),
            ("7064229", None, "Why I Love Football", "“Their going to need help along the way” ? …"),
            ("7064233", None, "smarter than you", "What a worthless team, no history, no"),
            ("7064296", None, "averagjoe", "The look on Rivers’ face after each of those"),
            ("7064332", None, "grumpysal", "Watching last night’s game was like i was"),
            ("7064443", None, "MightyMidwest", "Might as well take your ball & go to"),
            ("7064539", None, "cafetero1075", "Rivers has had bad seasons and bounced back."),
            ("7064591", None, "captainwhodat", "“We needed to win this game”…said captain"),
            ("7064750", None, "jjfootball", "His arm is a noodle at this point!"),
            ("7065200", None, "a1b24312", "Maybe JFisher wasn’t so bad after all? I"),
            # Quotes another comment as plain text: "says:" here is the comment's own words.
            ("7065254", None, "Guy Hence", "averagjoe says: November 19, 2019 at 12:28 pm"),
        ),
    ),
    Page(
        # GiveWell blog: classic walker with the name in div.comment-author > strong, the date in
        # the "on DATE said:" permalink, the text as div.comment-body > p.
        "aeb/ac3c035520461017a7c5b248d8e39ef063cad4c0c7d7b7ecd68aff8f15099485.html",
        title="September 2018 open thread",
        author="Catherine",
        published="2018-09-10T11:25:36-05:00",
        first="Our goal with hosting quarterly open threads is to give blog readers an opportunity "
        "to publicly raise comments or questions about GiveWell or related topics (in the comments "
        "section below).",
        last="We’ll try to respond promptly to questions or comments.",
        first_comment_published="September 12, 2018 at 4:47 pm",
        comments=(
            ("949868", None, "Milan Griffes", "Any update on how the Blattman et al."),
            ("949890", None, "Catherine (GiveWell)", "Hi Milan, We haven’t yet reviewed Blattman"),
            ("949999", None, "Alex", "I skimmed your Zusha report, and didn’t see"),
            ("950013", None, "Gary M", "Have you written anything about the trade-off"),
            ("950046", None, "Catherine (GiveWell)", "Hi Alex, Our best guess is that any effects"),
            ("950049", None, "Catherine (GiveWell)", "Hi Gary, We detailed several considerations"),
            ("950162", None, "Mohammad", "Hi, I recently stumbled upon this old blog"),
            ("950214", None, "Olivia (GiveWell)", "Hi Mohammad, Thanks for your question. Good"),
            ("950550", None, "Charles Pritchard", "Have there been any further discussions or"),
            ("950566", None, "Catherine (GiveWell)", "Hi Charles, We have not prioritized further"),
        ),
    ),
    Page(
        "aeb/ad9e9e596f21a6812fae27b5d9d622359826c368e471d7d5ff9ac4676eaac9cd.html",
        title="A grant to Evidence Action Beta to prototype, test, and scale promising programs",
        author="Olivia Larsen",
        published="2018-10-09T10:46:39-05:00",
        first="In July 2018, we recommended a $5.1 million grant to Evidence Action Beta to create a "
        "program dedicated to developing potential GiveWell top charities",
        last="We look forward to sharing updates and the results.",
        first_comment_published="November 15, 2018 at 10:12 am",
        comments=(("950772", None, "Jamie Cassidy", "I am so pumped about this! I feel like this"),),
    ),
    Page(
        # bigbrandsystem.com: an Elementor post template (no .entry-content), no date shown but the
        # og meta's; five threads, each answered by the author. 5344 answers 5341 and is printed
        # before 5342.
        "aeb/c582d3b772578e8feaa3cfd8f5ae8100bb6f0bc66048204a9a398395841c1164.html",
        title="Business Focus: It’s Why Some People Triumph Online and Others Never Make It",
        author="Pamela Wilson",
        published="2018-08-08T05:00:04+00:00",
        first="Business focus is why some people are able to build the online business they dream "
        "of while others think about it … but never actually create it?",
        # The ground truth ends on a stray paragraph, "Pamela Wilsonbigbrandsystem", after this.
        last="Read about that topic in the next article in this series, How to Adopt an Online "
        "Leader Success Mindset.",
        first_comment_published="2018-08-08T15:17:21-06:00",
        comments=(
            ("5334", None, "Gaye", "YOU.ARE.AWESOME!"),
            ("5335", "5334", "Pamela Wilson", "Thanks so much for stopping by to read this"),
            ("5336", None, "Jan Smith", "Hi, Pamela, I am a guy in his mid-70’s who"),
            ("5337", "5336", "Pamela Wilson", "I’m really glad to hear you’ve found a way to"),
            ("5338", None, "Anita DeSousa", "Enjoyed your article, focus is extremely"),
            ("5339", "5338", "Pamela Wilson", "Anita, it’s so good to see you here! That"),
            ("5341", None, "Yvonne DiVita", "I relate to the ” you can spend a lot of"),
            ("5344", "5341", "Pamela Wilson", "“The answer is not in someone else’s head.”"),
            ("5342", None, "Tom Collins", "Hi Pamela, so excited to see this new"),
            ("5343", "5342", "Pamela Wilson", "So good to see you here, Tom. Life gets in"),
        ),
    ),
    Page(
        "aeb/ec7fc408c5ce66c22692a3f696c682f3de794bacfaca405d9a0dac5957051e5a.html",
        title="How to Adopt an Online Leader Success Mindset",
        author="Pamela Wilson",
        published="2018-08-22T05:00:59+00:00",
        first="Your “success mindset” matters.",
        last="Now you know a natural progression you can use to step into an online leadership role "
        "that will grow your reach and your revenues.",
        first_comment_published="2018-08-22T05:57:58-06:00",
        comments=(
            ("5356", None, "Vatsala Shukla", "When I started out, making my website live"),
            ("5357", "5356", "Pamela Wilson", "Yes! We all have our own comfort/discomfort"),
            ("5358", None, "Bo", "Stepping out of my comfort level for sure"),
            ("5359", "5358", "Pamela Wilson", "Go for it, Bo! It definitely gets easier with"),
            ("5362", None, "Mary Collette Rogers", "I like the concept of talking about this in"),
            ("5363", "5362", "Pamela Wilson", "I think the distinction is important, too,"),
        ),
    ),
)
BY_NAME = {page.name: page for page in PAGES}
# Served to the browser: nested Epoch replies, the longest list, a reply nested in its parent's
# div, and a page that declares no charset (served as UTF-8, as it is).
BROWSER_PAGES = [BY_NAME[name] for name in ("wordpress", "8e3efa", "4219d0", "214864")]


def folded(text: str | None) -> str:
    return " ".join((text or "").split())


@cache
def html_of(path: str) -> str:
    return (pages_root() / path).read_text(encoding="utf-8")


@cache
def pure_record(path: str, profile: str = "wordpress") -> Record:
    page = PageContent(
        url=f"https://pages.test/{path}", final_url=f"https://pages.test/{path}",
        fetched_at="2026-01-01T00:00:00Z", html=html_of(path),
    )
    return extract(page, PROFILES[profile])


@cache
def ground_truth() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(
        (pages_root() / "aeb" / "ground-truth.json").read_text(encoding="utf-8")
    )
    return data


def metadata(path: str) -> dict[str, Any]:
    """A readability page's expected-metadata.json (title, byline, publishedTime)."""
    meta: dict[str, Any] = json.loads(
        (pages_root() / path).with_name("expected-metadata.json").read_text(encoding="utf-8")
    )
    return meta


# --- pure: the saved HTML through the profile ----------------------------------------------------

each_page = pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)


@each_page
def test_page_is_detected_as_wordpress(page: Page) -> None:
    found = matching.by_detection(PROFILES, html_of(page.path))
    assert found is not None and found.name == "wordpress"


@each_page
def test_comments_ids_parents_and_authors(page: Page) -> None:
    record = pure_record(page.path)
    got = [(c.id, c.parent_id, c.author) for c in record.comments]
    assert got == [(cid, parent, author) for cid, parent, author, _ in page.comments]


@each_page
def test_comment_texts_and_dates(page: Page) -> None:
    comments = pure_record(page.path).comments
    for comment, (cid, _, _, start) in zip(comments, page.comments, strict=True):
        assert folded(comment.text).startswith(start), f"comment {cid}: {comment.text!r}"
    assert comments[0].published == page.first_comment_published


def test_a_reply_text_stays_out_of_its_parent() -> None:
    record = pure_record(BY_NAME["wordpress"].path)
    by_id = {c.id: c for c in record.comments}
    # 215114 has three replies, 215125 a reply of its own: none of their words are in 215114's text.
    for reply in ("215125", "215173", "215254", "215219", "215302"):
        assert folded(by_id[reply].text)[:40] not in folded(by_id["215114"].text)


@each_page
def test_article_fields(page: Page) -> None:
    article = pure_record(page.path).article
    assert article.title == page.title
    assert article.author == page.author
    assert article.published == page.published


@each_page
def test_article_text_is_the_post_only(page: Page) -> None:
    record = pure_record(page.path)
    text = folded(record.article.text)
    assert page.first in text[:600], text[:300]
    assert page.last in text[-800:], text[-300:]
    for phrase in BOILERPLATE:
        assert phrase not in text
    for cid, _, _, start in page.comments:
        if len(start) > 30:  # short openings ("Hi Alex,") could be anyone's words
            assert start not in text, f"comment {cid} leaked into the article"


@each_page
def test_matches_the_reference_data(page: Page) -> None:
    """The published references agree with what the expectations above say."""
    if page.path.startswith("aeb/"):
        body = folded(ground_truth()[page.path.removeprefix("aeb/").removesuffix(".html")]["articleBody"])
        assert page.first in body[:600]
        assert page.last in body[-400:]
        return
    meta = metadata(page.path)
    assert page.title in meta["title"]  # readability's title may carry the site's name
    if meta["byline"]:
        assert meta["byline"] == page.author
    if meta["publishedTime"] and page.published:
        assert meta["publishedTime"][:10] == page.published[:10]


@pytest.mark.parametrize("profile", ["generic", "drupal"])
def test_aclu_article_metadata(profile: str) -> None:
    """aclu is Drupal: the drupal profile claims it; the generic fallback gets the article too."""
    path = "readability/aclu/source.html"
    meta = metadata(path)
    article = pure_record(path, profile).article
    assert article.title == meta["title"]
    assert article.author == meta["byline"]
    assert (article.published or "")[:10] == meta["publishedTime"][:10]


def test_aclu_drupal_comments() -> None:
    """Drupal 7: `a#comment-N` then `div.comment`; replies in a sibling `div.indented`."""
    record = pure_record("readability/aclu/source.html", "drupal")
    got = [(c.id, c.parent_id, c.author) for c in record.comments]
    assert got == [
        ("223379", None, "Anonymous"),
        ("223395", None, "Lars"),
        ("223408", None, "Anonymous"),
        ("223409", None, "Anonymous"),
        ("223419", None, "Anonymous"),
        ("223421", None, "Anonymous"),
        ("223672", "223421", "Anonymous"),
        ("223424", None, "Ed B. -Netherlands"),
        ("223761", "223424", "Anonymous"),
        ("223425", None, "Anonymous"),
    ]
    first, reply = record.comments[0], record.comments[6]
    assert first.published == "April 5, 2018 6:32 PM"
    assert (first.text or "").startswith("One valuable reform would be to mandate")
    assert (reply.text or "").startswith("Didn't you read the article?")
    assert (reply.text or "").endswith("At least users have some little control over it.")
    assert "privacy badger" not in (record.article.text or "")  # no comment in the article
    assert record.article.title == "Facebook Is Tracking Me Even Though I’m Not on Facebook"


def test_drupal_page_is_not_taken_for_wordpress() -> None:
    found = matching.by_detection(PROFILES, html_of("readability/aclu/source.html"))
    assert found is not None and found.name == "drupal"


# --- browser: the same pages served from loopback, profile detected after load ------------------


@pytest.mark.browser
@pytest.mark.parametrize("page", BROWSER_PAGES, ids=lambda p: p.name)
def test_capture_detects_wordpress_and_finds_the_same_record(
    page: Page, pages_server: str, chromium: BrowserSession
) -> None:
    url = f"{pages_server}/{page.path}"
    record = capture(url, session=chromium)
    pure = pure_record(page.path)
    assert record.profile == "wordpress"
    assert record.final_url == url
    assert record.comments == pure.comments
    assert record.article == pure.article
