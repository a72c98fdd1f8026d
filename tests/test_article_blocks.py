"""Article blocks the post's text must keep: plugin boxes inside `.entry-content` (recipe cards, FAQ
boxes), a bare text node, image captions, quotes and lists in nested `div`s; and, on pages no site
profile describes, a standfirst, a fact box and a Q&A page's question.

Each page is written in the markup its plugin or site type prints (from the plugin's templates, with
our own words; no real page kept). `sentences` must all be in the article text, `chrome` none of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from scraper.extract import PageContent, extract
from scraper.model.record import Record
from scraper.profiles import load_profiles, matching
from tests.fixtures.pages import REPO

PROFILES = load_profiles([REPO / "selectors"])
WP_HEAD = "<meta name='generator' content='WordPress 6.4'>"
SHARE = ("<div class='sharedaddy sd-sharing-enabled'><h3 class='sd-title'>Share this:</h3>"
         "<ul><li><a href='#'>Facebook</a></li><li><a href='#'>Email this post</a></li></ul></div>")
INTRO = "<p>The harbour kitchen opens every morning at six.</p>"
OUTRO = "<p>We close the post with a word about the fishermen.</p>"


@dataclass(frozen=True)
class Block:
    name: str
    body: str  # inside the post's container (WordPress), or the whole page body (others)
    sentences: tuple[str, ...]
    chrome: tuple[str, ...] = ("Share this", "Email this post")
    head: str = WP_HEAD
    wordpress: bool = True


def block_html(block: Block) -> str:
    if not block.wordpress:
        return f"<html><head>{block.head}</head><body>{block.body}</body></html>"
    return (f"<html><head>{block.head}<title>Harbour kitchen</title></head><body>"
            "<nav class='main-nav'><ul><li><a href='/'>Home</a></li><li><a href='/about'>About us</a></li>"
            "</ul></nav><article class='post hentry'><h1 class='entry-title'>Harbour kitchen</h1>"
            f"<div class='entry-content'>{INTRO}{block.body}{OUTRO}{SHARE}</div></article>"
            "<footer class='site-footer'><p>Copyright the harbour kitchen blog, all rights kept.</p></footer>"
            "</body></html>")


BLOCKS = [
    Block(
        "wp-recipe-maker",
        """<div id="wprm-recipe-container-12" class="wprm-recipe-container" data-recipe-id="12">
          <div class="wprm-recipe wprm-recipe-template-classic"><h2 class="wprm-recipe-name">Harbour soup</h2>
          <div class="wprm-recipe-summary"><span>A warm soup for cold evenings by the water.</span></div>
          <div class="wprm-recipe-ingredients-container"><h3 class="wprm-recipe-header">Ingredients</h3>
            <ul class="wprm-recipe-ingredients"><li class="wprm-recipe-ingredient">
              <span class="wprm-recipe-ingredient-amount">2</span>
              <span class="wprm-recipe-ingredient-name">fresh fish fillets, cut small</span></li></ul></div>
          <div class="wprm-recipe-instructions-container"><h3 class="wprm-recipe-header">Instructions</h3>
            <ul class="wprm-recipe-instructions"><li class="wprm-recipe-instruction">
              <div class="wprm-recipe-instruction-text">Simmer the fish for ten minutes.</div></li></ul></div>
          </div></div>""",
        ("A warm soup for cold evenings by the water.", "Simmer the fish for ten minutes."),
    ),
    Block(
        "easyrecipe",
        """<div class="easyrecipe" itemscope itemtype="http://schema.org/Recipe">
          <div class="ERSName" itemprop="name">Harbour bread</div>
          <div class="ERSSummary" itemprop="description">A dense loaf that keeps for a week at sea.</div>
          <div class="ERSIngredients"><div class="ERSIngredientsHeader">Ingredients</div><ul>
            <li class="ingredient" itemprop="ingredients">Five hundred grams of rye flour.</li></ul></div>
          <div class="ERSInstructions"><div class="ERSInstructionsHeader">Instructions</div><ol>
            <li class="instruction" itemprop="recipeInstructions">Knead the dough for a full ten minutes.</li>
          </ol></div></div>""",
        ("A dense loaf that keeps for a week at sea.", "Knead the dough for a full ten minutes."),
    ),
    Block(
        "hrecipe",
        """<div class="recipe hrecipe"><h2 class="fn">Harbour pie</h2>
          <p class="summary">A pie the crews take out on long trips.</p>
          <ul class="ingredients"><li class="ingredient">Three cups of smoked fish pieces.</li></ul>
          <div class="instructions"><p>Bake it for forty minutes until golden.</p></div></div>""",
        ("A pie the crews take out on long trips.", "Bake it for forty minutes until golden."),
    ),
    Block(
        "faq-box",
        """<div class="faq-box"><h3 class="faq-question">Can I freeze the soup?</h3>
          <div class="faq-answer"><p>Yes, for up to three months in a sealed box.</p></div>
          <h3 class="faq-question">Can I use other fish?</h3>
          <div class="faq-answer"><p>Any firm white fish works just as well.</p></div></div>""",
        ("Yes, for up to three months in a sealed box.", "Any firm white fish works just as well."),
    ),
    Block(
        "bare-text-node",
        """The kitchen was a <a href="/net-loft">net loft</a> until the spring of last year.<br><br>""",
        ("The kitchen was a net loft until the spring of last year.",),
    ),
    Block(
        "wp-caption",
        """<div id="attachment_7" class="wp-caption aligncenter" style="width: 610px">
          <img src="pier.jpg" alt="" width="600" height="400">
          <p class="wp-caption-text">The harbour at dawn, seen from the old pier.</p></div>""",
        ("The harbour at dawn, seen from the old pier.",),
    ),
    Block(
        "nested-div-quote-list",
        """<div dir="ltr"><div><blockquote><p>The harbour master says the tides come early this year.</p>
          </blockquote><ul><li>First listed item about the boats in winter.</li>
          <li>Second listed item about the nets.</li></ul></div></div>""",
        ("The harbour master says the tides come early this year.",
         "First listed item about the boats in winter."),
    ),
    Block(
        "standfirst-and-fact-box",  # a news page (no CMS named): standfirst above, fact box inside
        """<header class="site-header"><a href="/">Harbour News</a><nav><a
          href="/local">Local</a></nav></header>
        <main><article class="story"><h1>Harbour wall plan approved</h1>
          <p class="standfirst">Councillors back the new harbour wall after a long and noisy debate.</p>
          <div class="byline">By Ann Reporter, 3 March 2024</div>
          <div class="story-body">
            <p>The council voted on Tuesday evening to build the new wall along the northern pier.</p>
            <p>Work is expected to start once the winter storms have passed and the boats are out.</p>
            <aside class="fact-box"><h3>The wall in figures</h3><ul>
              <li>The wall will be three hundred metres long when finished.</li>
              <li>It is paid for by the regional harbour fund and a local levy.</li></ul></aside>
            <p>Fishermen said they welcomed the decision but worried about the cost of mooring.</p>
          </div></article></main>
        <footer><p>Copyright Harbour News, every right reserved by the publisher.</p></footer>""",
        ("Councillors back the new harbour wall after a long and noisy debate.",
         "The wall will be three hundred metres long when finished.",
         "The council voted on Tuesday evening to build the new wall along the northern pier."),
        chrome=("every right reserved",),
        head="",
        wordpress=False,
    ),
    Block(
        "qa-question",  # a Q&A page: the question's body above its answers
        """<header class="top-bar"><a href="/">Sailing Answers</a><a href="/login">Log in</a></header>
        <div id="content"><div id="question-header"><h1 itemprop="name">How long a line for a tidal
          berth?</h1></div>
          <div class="question" id="question" data-questionid="77">
            <div class="votecell"><div class="vote-count">12</div></div>
            <div class="postcell"><div class="post-text" itemprop="text">
              <p>I keep drifting off the wall when the tide falls at the harbour overnight.</p>
              <p>How much slack should the bow and stern lines have on a six metre range?</p></div>
              <div class="post-signature"><a href="/users/5/ann">Ann</a> asked Mar 3, 2024</div></div></div>
          <div id="answers"><h2>2 Answers</h2>
            <div class="answer" id="answer-78"><div class="post-text"><p>Use springs and leave three times
              the range in each line, then check it at low water.</p></div>
              <div class="post-signature"><a href="/users/6/bo">Bo</a> answered Mar 3, 2024</div></div>
            <div class="answer" id="answer-79"><div class="post-text"><p>A fender board helps more than the
              lines do on a rough stone wall.</p></div>
              <div class="post-signature"><a href="/users/7/cy">Cy</a> answered Mar 4, 2024</div></div></div>
        </div>
        <div id="sidebar" class="sidebar"><h4>Hot network questions</h4><ul><li><a href="/q/1">Which anchor
          holds best in sand and weed?</a></li></ul></div>""",
        ("I keep drifting off the wall when the tide falls at the harbour overnight.",
         "How much slack should the bow and stern lines have on a six metre range?"),
        chrome=("Hot network questions", "Which anchor holds best"),
        head="",
        wordpress=False,
    ),
]


def record_of(block: Block) -> Record:
    html = block_html(block)
    content = PageContent(url="https://blog.test/p/", final_url="https://blog.test/p/",
                          fetched_at="2026-01-01T00:00:00Z", html=html)
    profile = matching.by_detection(PROFILES, html) or matching.fallback(PROFILES)
    return extract(content, profile)


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.name)
def test_the_block_is_in_the_article_and_the_chrome_is_not(block: Block) -> None:
    record = record_of(block)
    text = " ".join((record.article.text or "").split())
    for sentence in block.sentences:
        assert sentence in text, f"{sentence!r} missing from the article of {block.name}"
    if block.wordpress:  # the post around the block is kept too
        assert "opens every morning at six" in text and "word about the fishermen" in text
    for words in block.chrome:
        assert words not in text, f"{words!r} (page chrome) in the article of {block.name}"
