"""Comment markup of the theme and plugin families no built-in profile describes, read by the
extraction chain (profile, structured data, structure detection) without a per-site profile.

Each page below is written in the markup its family prints (the classes, ids and nesting of the
theme or plugin's comment template, with our own names and words), wrapped in a post. The expected
records were written from that markup: ids from the element ids, parents from the nesting, the
author and date as printed, the comment's own paragraphs. Every page also checks the two ways of
getting it wrong: comment text in the article, article text in a comment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from scraper.extract import PageContent, extract
from scraper.model.record import Record
from scraper.profiles import load_profiles
from tests.fixtures.pages import REPO

PROFILES = load_profiles([REPO / "selectors"])
POST = ("<p>The post opens with a sentence about the harbour.</p>"
        "<p>It closes with a second sentence about the boats.</p>")

Row = tuple[str | None, str | None, str | None, str | None, str]  # id, parent, author, date, text


@dataclass(frozen=True)
class Family:
    name: str
    comments_html: str
    expected: tuple[Row, ...]
    profile: str = "wordpress"
    article_html: str = (f"<div class='post'><h1 class='entry-title'>Harbour</h1>"
                         f"<div class='entry'>{POST}</div></div>")
    source: str = "detected"
    generator: str | None = "WordPress 6.1"  # None: a page that does not say what made it
    warnings: tuple[str, ...] = ()


def family_html(family: Family) -> str:
    head = f"<meta name='generator' content='{family.generator}'>" if family.generator else ""
    return (f"<html><head>{head}</head><body>"
            f"{family.article_html}{family.comments_html}</body></html>")


def page(family: Family, *, frames: dict[str, str] | None = None) -> Record:
    html = family_html(family)
    content = PageContent(url="https://blog.test/p/", final_url="https://blog.test/p/",
                          fetched_at="2026-01-01T00:00:00Z", html=html, frames=frames or {})
    return extract(content, PROFILES[family.profile])


FAMILIES = [
    Family(
        "thesis",  # Thesis: a definition list, the byline in `dt`, the text in the following `dd`
        """<div id="comments"><div class="comments_intro"><p><span>2</span> comments</p></div>
        <dl id="comment_list">
          <dt class="comment odd" id="comment-101">
            <span class="comment_num"><a href="#comment-101" rel="nofollow">1</a></span>
            <span class="comment_author"><a href="http://ann.test" rel="nofollow">Ann</a></span>
            <span class="comment_time"><a href="#comment-101">March 3, 2009 at 9:12 am</a></span></dt>
          <dd class="comment odd"><div class="format_text"><p>First paragraph.</p><p>Second one.</p></div>
            </dd>
          <dt class="comment even" id="comment-102">
            <span class="comment_num"><a href="#comment-102" rel="nofollow">2</a></span>
            <span class="comment_author">Bob</span>
            <span class="comment_time"><a href="#comment-102">March 4, 2009 at 10:00 am</a></span></dt>
          <dd class="comment even"><div class="format_text"><p>Thesis reply.</p></div></dd>
        </dl></div>""",
        (("101", None, "Ann", "March 3, 2009 at 9:12 am", "First paragraph.\n\nSecond one."),
         ("102", None, "Bob", "March 4, 2009 at 10:00 am", "Thesis reply.")),
    ),
    Family(
        "li-without-comment-class",  # Kubrick-era custom themes: li#comment-N, cite, bare p's
        """<h3 id="comments">3 Responses to “Harbour”</h3><ol class="commentlist">
          <li class="alt" id="comment-201"><cite><a href="http://bob.test" rel="external nofollow">Bob</a>
            </cite> Says:<br>
            <small class="commentmetadata"><a href="#comment-201">May 4th, 2008 at 10:11 pm</a></small>
            <p>Kubrick-style text.</p><p>Two paragraphs.</p></li>
          <li class="the-comment" id="comment-202"><cite>Cy</cite> Says:<br>
            <small class="commentmetadata"><a href="#comment-202">May 5th, 2008 at 8:00 am</a></small>
            <p>Second comment.</p></li>
          <li class="graybox" id="comment-203"><cite>Dee</cite> Says:<br>
            <small class="commentmetadata"><a href="#comment-203">May 6th, 2008 at 7:30 pm</a></small>
            <p>Third comment.</p></li></ol>""",
        (("201", None, "Bob", "May 4th, 2008 at 10:11 pm", "Kubrick-style text.\n\nTwo paragraphs."),
         ("202", None, "Cy", "May 5th, 2008 at 8:00 am", "Second comment."),
         ("203", None, "Dee", "May 6th, 2008 at 7:30 pm", "Third comment.")),
    ),
    Family(
        "k2",  # K2: li.comment (the profile's item) whose text is bare p's the profile cannot read
        """<ol id="commentlist"><li id="comment-211" class="comment">
          <a href="#comment-211" class="counter">1</a>
          <span class="commentauthor"><a href="http://eve.test">Eve</a></span>
          <small class="comment-meta"><a href="#comment-211">June 1, 2007 at 1:00 pm</a></small>
          <p>K2 text.</p></li></ol>""",
        (("211", None, "Eve", "June 1, 2007 at 1:00 pm", "K2 text."),),
        source="profile",
    ),
    Family(
        "wpdiscuz-5",  # wpDiscuz 5: div.wc-comment > div.wc-comment-right#comment-N; replies inside
        """<div id="wpcomm"><div class="wc-thread-wrapper">
          <div id="wc-comm-301_0" class="wc-comment wc-blog-guest wc_comment_level-1">
            <div class="wc-comment-left"><img class="avatar" src="a.png" alt=""></div>
            <div id="comment-301" class="wc-comment-right">
              <div class="wc-comment-header"><div class="wc-comment-author">Carol</div>
                <div class="wc-comment-link"><span class="wc-share-link">Share</span></div></div>
              <div class="wc-comment-text"><p>wpDiscuz text.</p></div>
              <div class="wc-comment-footer"><div class="wc-vote-result">0</div>
                <div class="wc-comment-date">3 years ago</div><div class="wc-reply-button">Reply</div></div>
            </div>
            <div id="wc-comm-302_301" class="wc-comment wc-reply wc-blog-guest wc_comment_level-2">
              <div class="wc-comment-left"><img class="avatar" src="a.png" alt=""></div>
              <div id="comment-302" class="wc-comment-right">
                <div class="wc-comment-header"><div class="wc-comment-author">Dan</div></div>
                <div class="wc-comment-text"><p>A reply.</p></div>
                <div class="wc-comment-footer"><div class="wc-comment-date">2 years ago</div></div>
              </div></div>
          </div></div></div>""",
        (("301", None, "Carol", "3 years ago", "wpDiscuz text."),
         ("302", "301", "Dan", "2 years ago", "A reply.")),
    ),
    Family(
        "wpdiscuz-7",  # wpDiscuz 7: div.wpd-comment > div.wpd-comment-wrap > div.wpd-comment-right
        """<div id="wpdcom"><div class="wpd-thread-list">
          <div id="wpd-comm-311_0" class="comment even thread-even depth-1 wpd-comment wpd_comment_level-1">
            <div class="wpd-comment-wrap wpd-blog-guest"><div class="wpd-comment-left">
              <div class="wpd-avatar"></div></div>
              <div id="comment-311" class="wpd-comment-right"><div class="wpd-comment-header">
                <div class="wpd-comment-author">Fay</div>
                <div class="wpd-comment-date" title="June 1, 2020 8:00 am"><i class="far fa-clock">
                  </i> 3 years ago</div></div>
                <div class="wpd-comment-text"><p>Version seven.</p></div>
                <div class="wpd-comment-footer"><div class="wpd-vote"><div class="wpd-vote-result">2</div>
                  </div>
                  <div class="wpd-reply-button"><span>Reply</span></div></div></div></div>
            <div id="wpdiscuz_form_anchor-311_0"></div>
            <div id="wpd-comm-312_311"
                 class="comment odd alt depth-2 wpd-comment wpd-reply wpd_comment_level-2">
              <div class="wpd-comment-wrap wpd-blog-guest"><div id="comment-312" class="wpd-comment-right">
                <div class="wpd-comment-header"><div class="wpd-comment-author">Gus</div>
                <div class="wpd-comment-date" title="June 2, 2020 9:30 am">3 years ago</div></div>
                <div class="wpd-comment-text"><p>Nested.</p></div></div></div></div>
          </div></div></div>""",
        (("311", None, "Fay", "June 1, 2020 8:00 am", "Version seven."),
         ("312", "311", "Gus", "June 2, 2020 9:30 am", "Nested.")),
    ),
    Family(
        "woothemes",  # WooThemes: the text straight in div.comment-entry#comment-N
        """<ol class="commentlist"><li class="comment even thread-even depth-1" id="li-comment-401">
          <a name="comment-401"></a><div id="comment-401" class="comment-container">
            <div class="comment-head"><div class="avatar"><img src="a.png" alt=""></div>
              <div class="name"><a href="http://hal.test" class="url">Hal</a></div>
              <div class="date">March 3, 2011 at 9:11 am</div>
              <div class="perma"><a href="#comment-401">#</a></div></div>
            <div class="comment-entry" id="comment-401"><p>Woo text.</p></div>
          </div></li></ol>""",
        (("401", None, "Hal", "March 3, 2011 at 9:11 am", "Woo text."),),
        source="profile",
    ),
    Family(
        "comment-body-underscore",  # div.comment_body: the profile knows `.comment-body`, not this
        """<ol class="comment-list"><li class="comment" id="li-comment-411"><div id="comment-411">
          <div class="comment-author vcard"><cite class="fn">Ida</cite></div>
          <div class="comment-meta"><a href="#comment-411">July 7, 2012 at 7:07 am</a></div>
          <div class="comment_body"><p>Underscored.</p></div></div></li></ol>""",
        (("411", None, "Ida", "July 7, 2012 at 7:07 am", "Underscored."),),
        source="profile",
    ),
    Family(
        "inner-comment",
        """<ol class="comment-list"><li class="comment" id="comment-421"><div class="inner-comment">
          <div class="comment-header"><span class="comment-author">Jo</span>
            <span class="comment-date">August 8, 2013</span></div>
          <p>Inner text.</p></div></li></ol>""",
        (("421", None, "Jo", "August 8, 2013", "Inner text."),),
        source="profile",
    ),
    Family(
        "c-body",
        """<ul class="comments"><li class="comment" id="comment-431"><div class="c-grav">
          <img src="a.png" alt=""></div>
          <div class="c-body"><div class="c-head"><span class="c-author">Kim</span>
            <span class="c-date">9 September 2014</span></div><p>C body text.</p></div></li></ul>""",
        (("431", None, "Kim", "9 September 2014", "C body text."),),
        source="profile",
    ),
    Family(
        "article-with-content",  # article#comment-N > div.content (Drupal 8-like themes)
        """<section id="comments"><h2>Comments</h2>
          <article id="comment-441" class="comment js-comment"><footer class="comment__meta">
            <p class="comment__author"><span>Lee</span></p>
            <p class="comment__time"><time datetime="2015-10-10T10:10:10+00:00">Sat, 10/10/2015</time></p>
              </footer>
            <div class="content"><p>Article comment.</p></div></article></section>""",
        (("441", None, "Lee", "2015-10-10T10:10:10+00:00", "Article comment."),),
    ),
    Family(
        "bem-section-content",  # section.comment__content
        """<ol class="comment-list"><li class="comment" id="comment-451"><div class="comment__meta">
          <span class="comment__author">Mo</span>
            <time class="comment__date" datetime="2016-11-11">Nov 11</time></div>
          <section class="comment__content"><p>BEM text.</p></section></li></ol>""",
        (("451", None, "Mo", "2016-11-11", "BEM text."),),
        source="profile",
    ),
    Family(
        "highlander",  # WordPress.com / Jetpack: core walker, the form is Highlander's iframe
        """<div id="comments" class="comments-area"><h2 class="comments-title">One thought on “Harbour”</h2>
          <ol class="comment-list"><li id="comment-461" class="comment byuser depth-1">
            <article id="div-comment-461" class="comment-body"><footer class="comment-meta">
              <div class="comment-author vcard"><b class="fn">Ned</b> <span class="says">says:</span></div>
              <div class="comment-metadata"><a href="#comment-461">
                <time datetime="2017-01-02T03:04:05+00:00">January 2, 2017</time></a></div></footer>
              <div class="comment-content"><p>Highlander.</p></div></article></li></ol>
          <div id="respond" class="comment-respond"><h3 id="reply-title">Leave a Reply</h3>
            <form id="commentform"><iframe class="jetpack_remote_comment" title="Comment Form"></iframe>
              </form></div></div>""",
        (("461", None, "Ned", "2017-01-02T03:04:05+00:00", "Highlander."),),
        source="profile",
    ),
    Family(
        "disqus-in-dom",  # Disqus's thread when a page renders it in place (no iframe)
        """<div id="disqus_thread"><ul id="post-list" class="post-list">
          <li class="post" id="post-501"><div class="post-content" data-role="post-content">
            <div class="avatar hovercard"><a class="user" href="#"><img src="a.png" alt="Avatar"></a></div>
            <div class="post-body"><header class="comment__header"><span class="post-byline">
              <span class="author publisher-anchor-color"><a href="https://disqus.test/by/oz/">Oz</a>
                </span></span>
              <span class="post-meta">
                <a href="#comment-501" class="time-ago" title="Tuesday, March 3, 2015 9:00 AM">8 years ago</a>
              </span></header>
              <div class="post-body-inner"><div class="post-message" data-role="message"><div>
                <p>Disqus text.</p></div></div></div>
              <footer class="comment__footer"><a class="vote-up">3</a><a class="reply">Reply</a></footer>
                </div></div>
            <ul class="children"><li class="post" id="post-502"><div class="post-content">
              <div class="post-body"><header><span class="author"><a href="#">Pia</a></span>
                <a href="#comment-502" class="time-ago"
                   title="Wednesday, March 4, 2015 10:00 AM">8 years ago</a></header>
                <div class="post-message"><p>Disqus reply.</p></div></div></div></li></ul></li>
        </ul></div>""",
        (("501", None, "Oz", "Tuesday, March 3, 2015 9:00 AM", "Disqus text."),
         ("502", "501", "Pia", "Wednesday, March 4, 2015 10:00 AM", "Disqus reply.")),
        profile="generic",
    ),
    Family(
        "movable-type-3",  # Movable Type: div.comment-odd#comment-N, "Posted by: NAME | DATE"
        """<div id="comments"><h3>Comments</h3>
          <div class="comment-odd" id="comment-601"><p>MT text.</p>
            <p class="posted">Posted by: <a href="http://quinn.test">Quinn</a> |
              <a href="#comment-601">March 3, 2005 09:00 AM</a></p></div>
          <div class="comment-even" id="comment-602"><p>MT reply.</p>
            <p class="posted">Posted by: Rae | <a href="#comment-602">March 4, 2005 10:00 AM</a></p></div>
              </div>""",
        (("601", None, "Quinn", "March 3, 2005 09:00 AM", "MT text."),
         ("602", None, "Rae", "March 4, 2005 10:00 AM", "MT reply.")),
        profile="generic",
    ),
    Family(
        "movable-type-4",
        """<div id="comments" class="comments"><h2 class="comments-header">1 Comment</h2>
          <div class="comments-content"><div class="comment" id="comment-611"><div class="inner">
            <div class="comment-header"><div class="asset-meta"><span class="byline">By
              <span class="vcard author"><a class="fn url" href="#">Sam</a></span> on
              <a href="#comment-611">
                <abbr class="published" title="2008-04-01T09:00:00-05:00">April 1, 2008 9:00 AM</abbr></a>
                  </span></div></div>
            <div class="comment-content"><p>MT4 text.</p></div></div></div></div></div>""",
        (("611", None, "Sam", "2008-04-01T09:00:00-05:00", "MT4 text."),),
        profile="generic",
    ),
    Family(
        "jomcomment",  # Joomla's JomComment: rows without comment ids
        """<div id="jc_commentsDiv"><div id="written_comments">
          <div class="jc_comment_row"><div class="jc_comment_head"><span class="jc_author">Tom</span>
            <span class="jc_date">2009-03-04 10:20</span></div>
              <div class="jc_comment_text">Joomla text.</div></div>
          <div class="jc_comment_row"><div class="jc_comment_head"><span class="jc_author">Uma</span>
            <span class="jc_date">2009-03-05 11:00</span></div>
              <div class="jc_comment_text">Second row.</div></div>
        </div></div>""",
        # A date the page prints in ISO form is read as one (as a profile's `type: datetime` does).
        ((None, None, "Tom", "2009-03-04T10:20:00", "Joomla text."),
         (None, None, "Uma", "2009-03-05T11:00:00", "Second row.")),
        profile="generic",
    ),
    Family(
        "drupal-8-anchors",  # Drupal without its generator tag: a#comment-N before each article
        """<section class="comments"><h2>Comments</h2>
          <a id="comment-701"></a><article class="comment js-comment by-anonymous" data-comment-user-id="0">
            <footer class="comment__meta"><p class="comment__author">Val</p>
              <p class="comment__time">Mon, 01/02/2017 - 10:00</p></footer>
            <div class="comment__content"><p>Drupal text.</p></div></article>
          <div class="indented"><a id="comment-702"></a><article class="comment js-comment">
            <footer class="comment__meta"><p class="comment__author">Wes</p>
              <p class="comment__time">Tue, 01/03/2017 - 11:00</p></footer>
            <div class="comment__content"><p>Indented reply.</p></div></article></div></section>""",
        (("701", None, "Val", "Mon, 01/02/2017 - 10:00", "Drupal text."),
         ("702", "701", "Wes", "Tue, 01/03/2017 - 11:00", "Indented reply.")),
        profile="generic",
    ),
    Family(
        "stack-exchange",  # comments under a question: span.comment-copy, a.comment-user
        """<div class="comments js-comments-container" id="comments-1234"><ul class="comments-list">
          <li id="comment-801" class="comment js-comment" data-comment-id="801">
            <div class="comment-actions"><div class="comment-score"><span>3</span></div></div>
            <div class="comment-text js-comment-text-and-form"><div class="comment-body">
              <span class="comment-copy">Have you tried <code>git rebase</code>?</span>
              <div class="d-inline-flex">– <a href="/users/1/xi" class="comment-user">Xi</a></div>
              <span class="comment-date" dir="ltr"><a class="comment-link" href="#comment-801">
                <span title="2019-01-01 10:00:00Z" class="relativetime-clean">Jan 1, 2019 at 10:00</span>
                  </a></span>
            </div></div></li></ul></div>""",
        (("801", None, "Xi", "2019-01-01T10:00:00+00:00", "Have you tried git rebase?"),),
        profile="generic",
        source="profile",
    ),
    Family(
        "microdata",  # schema.org Comment microdata on otherwise unknown markup
        """<div class="talk"><div itemscope itemtype="https://schema.org/Comment" id="r-901">
          <span itemprop="author" itemscope itemtype="https://schema.org/Person">
            <span itemprop="name">Yan</span></span>
          <meta itemprop="dateCreated" content="2020-02-02T02:02:02Z"><div itemprop="text">
            <p>Micro text.</p></div>
          <div itemscope itemtype="https://schema.org/Comment" id="r-902">
            <span itemprop="author">Zed</span><time itemprop="dateCreated" datetime="2020-02-03">Feb 3</time>
            <div itemprop="text"><p>Micro reply.</p></div></div></div></div>""",
        (("901", None, "Yan", "2020-02-02T02:02:02+00:00", "Micro text."),
         ("902", "901", "Zed", "2020-02-03", "Micro reply.")),
        profile="generic",
        source="structured",
    ),
    # --- the families of issue 23, written from each system's templates (no real page kept) ---
    Family(
        "jomcomment-entries",  # JomComment on Joomla: div#pc_N.jomentryN, "written by NAME, DATE"
        """<div id="jc_commentsDiv"><div id="jc_commentsDiv_inner">
          <div id="pc_31" class="jomentry1"><div class="jc_avatar"><img src="a.png" alt=""
            class="avatar"></div>
            <div id="comment-text-container-31" class="comment-text">Joomla entry text.</div>
            <div class="small">written by Tom, March 12, 2010</div></div>
          <div id="pc_32" class="jomentry2"><div class="jc_avatar"><img src="a.png" alt=""
            class="avatar"></div>
            <div id="comment-text-container-32" class="comment-text">Another <b>entry</b>.</div>
            <div class="small">written by Uma, March 13, 2010</div></div>
        </div></div>""",
        (("31", None, "Tom", "March 12, 2010", "Joomla entry text."),
         ("32", None, "Uma", "March 13, 2010", "Another entry.")),
        profile="generic",
        generator="Joomla! 1.5 - Open Source Content Management",
    ),
    Family(
        "drupal-6-submitted",  # Drupal 6 without its generator tag: "Submitted by NAME on DATE." + p
        """<div id="comments"><h2 class="comments">Comments</h2>
          <a id="comment-41"></a>
          <div class="comment comment-published odd clear-block">
            <span class="submitted">Submitted by <a href="/users/ann" title="View user profile.">Ann</a>
              on Mon, 03/02/2009 - 10:20.</span>
            <p>Drupal six text.</p>
            <ul class="links"><li class="comment_reply first last"><a href="/comment/reply/7/41">reply</a>
              </li></ul></div>
          <div class="indented"><a id="comment-42"></a>
            <div class="comment comment-published even clear-block">
              <span class="submitted">Submitted by Bea (not verified) on Tue, 03/03/2009 - 08:05.</span>
              <p>Reply in Drupal six.</p></div></div></div>""",
        (("41", None, "Ann", "Mon, 03/02/2009 - 10:20", "Drupal six text."),
         ("42", "41", "Bea", "Tue, 03/03/2009 - 08:05", "Reply in Drupal six.")),
        profile="generic",
        generator=None,
    ),
    Family(
        "guardian-ul-comment",  # ul#comment-N.comment > li.comment-author + div.comment-body > p;
        # a stray li.comment ("Comment", a tools link) stands before the thread.
        """<ul class="article-tools"><li class="share"><a href="#share">Share</a></li>
          <li class="comment"><a href="#comments">Comment</a></li></ul>
        <div id="discussion"><h3>Comments</h3>
          <ul class="comment" id="comment-5001">
            <li class="comment-author"><a href="/profile/xan" class="username">Xan</a></li>
            <li class="comment-timestamp"><a href="#comment-5001">12 March 2010 10:03AM</a></li>
            <div class="comment-body"><p>Guardian text.</p><p>Second paragraph.</p></div></ul>
          <ul class="comment" id="comment-5002">
            <li class="comment-author"><a href="/profile/yul" class="username">Yul</a></li>
            <li class="comment-timestamp"><a href="#comment-5002">12 March 2010 11:40AM</a></li>
            <div class="comment-body"><p>Guardian answer.</p></div></ul></div>""",
        (("5001", None, "Xan", "12 March 2010 10:03AM", "Guardian text.\n\nSecond paragraph."),
         ("5002", None, "Yul", "12 March 2010 11:40AM", "Guardian answer.")),
        profile="generic",
        generator=None,
    ),
    Family(
        "xenforo-bridge",  # mtbnews: li.mtbnewsCommentContainer, the id on the message's container
        """<div id="comments" class="mtbnewsComments"><ol class="mtbnewsCommentList">
          <li class="mtbnewsCommentContainer"><div class="mtbnewsCommentAvatar"><a href="/m/ann.12/">
            <img src="a.png" alt="ann"></a></div>
            <div class="mtbnewsCommentMain"><div class="mtbnewsCommentHeader">
              <a href="/forum/m/ann.12/" class="username">ann</a>
              <a href="#comment-3301" class="mtbnewsCommentDate"><span
                class="DateTime">12.03.2019</span></a></div>
              <div id="comment-3301" class="mtbnewsCommentMessageContainer"><div
                class="mtbnewsCommentMessage">
                <blockquote class="messageText">Trail text here.</blockquote></div></div>
              <div class="mtbnewsCommentFooter"><a class="LikeLink" href="#">Like</a></div></div></li>
          <li class="mtbnewsCommentContainer"><div class="mtbnewsCommentAvatar"><a href="/m/bo.13/">
            <img src="a.png" alt="bo"></a></div>
            <div class="mtbnewsCommentMain"><div class="mtbnewsCommentHeader">
              <a href="/forum/m/bo.13/" class="username">bo</a>
              <a href="#comment-3302" class="mtbnewsCommentDate"><span
                class="DateTime">13.03.2019</span></a></div>
              <div id="comment-3302" class="mtbnewsCommentMessageContainer"><div
                class="mtbnewsCommentMessage">
                <blockquote class="messageText">Second trail text.</blockquote></div></div></div></li>
        </ol></div>""",
        (("3301", None, "ann", "12.03.2019", "Trail text here."),
         ("3302", None, "bo", "13.03.2019", "Second trail text.")),
    ),
    Family(
        "livefyre-in-dom",  # Livefyre's stream drawn into the page: div#lf_comment_N, div.lf_body > p
        """<div id="livefyre"><div class="lf_comment_stream">
          <div id="lf_comment_51234" class="lf_comment_container"><div class="lf_comment">
            <div class="lf_avatar"><img src="a.png" alt=""></div>
            <div class="lf_comment_main"><div class="lf_comment_header">
              <span class="lf_comment_author">Ann</span> <span class="lf_comment_date">March 3,
                2011</span></div>
              <div class="lf_body"><p>Livefyre text.</p></div>
              <div class="lf_comment_footer"><a class="lf_reply_link">Reply</a> <a
                class="lf_like">Like</a></div>
              </div></div>
            <div class="lf_children"><div id="lf_comment_51235" class="lf_comment_container">
              <div class="lf_comment"><div class="lf_comment_main"><div class="lf_comment_header">
                <span class="lf_comment_author">Ben</span> <span class="lf_comment_date">March 4,
                  2011</span></div>
                <div class="lf_body"><p>Livefyre reply.</p></div></div></div></div></div></div>
        </div></div>""",
        (("51234", None, "Ann", "March 3, 2011", "Livefyre text."),
         ("51235", "51234", "Ben", "March 4, 2011", "Livefyre reply.")),
    ),
    Family(
        "li-odd-class-info",  # li#comment-N, odd class; text in div.comment-info, or after div.cmtinfo
        """<ol class="commentlist">
          <li id="comment-501" class="row-fluid"><div class="span1"><img class="avatar" src="a.png"
            alt=""></div>
            <div class="comment-info span11"><div class="comment-author"><strong>Ann</strong></div>
              <div class="comment-date"><a href="#comment-501">March 3, 2014 at 10:00 am</a></div>
              <p>Text in the info block.</p></div></li>
          <li id="comment-502" class="steve_comment"><div class="cmtinfo"><span class="cmtauthor">Bob</span>
            <em>on</em> <a href="#comment-502">March 4, 2014 at 8:00 am</a></div>
            <p>Bare paragraph after cmtinfo.</p></li></ol>""",
        (("501", None, "Ann", "March 3, 2014 at 10:00 am", "Text in the info block."),
         ("502", None, "Bob", "March 4, 2014 at 8:00 am", "Bare paragraph after cmtinfo.")),
    ),
    Family(
        "div-comment-prefix",  # div#div-comment-N.comment, replies nested in their parent
        """<div id="comments"><div class="commentlist">
          <div class="comment even thread-even depth-1" id="div-comment-601">
            <div class="comment-author vcard"><img class="avatar" src="a.png" alt=""><cite
              class="fn">Cal</cite>
              <span class="says">says:</span></div>
            <div class="comment-meta commentmetadata"><a href="#comment-601">April 1, 2015 at 3:00
              pm</a></div>
            <p>Div comment text.</p>
            <div class="reply"><a class="comment-reply-link" href="#">Reply</a></div>
            <div class="comment odd alt depth-2" id="div-comment-602">
              <div class="comment-author vcard"><cite class="fn">Dot</cite> <span
                class="says">says:</span></div>
              <div class="comment-meta commentmetadata"><a href="#comment-602">April 2, 2015 at 9:00
                am</a></div>
              <p>Nested div reply.</p></div></div></div></div>""",
        (("601", None, "Cal", "April 1, 2015 at 3:00 pm", "Div comment text."),
         ("602", "601", "Dot", "April 2, 2015 at 9:00 am", "Nested div reply.")),
        source="profile",
    ),
    Family(
        "bare-text-author",  # the commenter's name as a bare text node beside the avatar
        """<ol class="commentlist">
          <li id="comment-701"><div class="comment-top"><img class="avatar" src="a.png" alt="">
            Dana<br><a href="#comment-701">May 5, 2016 at 9:00 am</a></div><p>Bare author text.</p></li>
          <li id="comment-702"><div class="comment-top"><img class="avatar" src="a.png" alt="">
            Eli<br><a href="#comment-702">May 6, 2016 at 7:00 pm</a></div><p>Second bare
              one.</p></li></ol>""",
        (("701", None, "Dana", "May 5, 2016 at 9:00 am", "Bare author text."),
         ("702", None, "Eli", "May 6, 2016 at 7:00 pm", "Second bare one.")),
    ),
    Family(
        "comment-childs",  # replies as div.comment-childs#comment-N inside the parent's div.comment-entry
        """<ol class="commentlist"><li class="comment" id="comment-801"><div class="comment-entry">
            <div class="comment-author"><cite class="fn">Fay</cite></div>
            <div class="comment-date"><a href="#comment-801">June 1, 2016</a></div>
            <p>Parent text.</p>
            <div class="comment-childs" id="comment-802"><div class="comment-author"><cite
              class="fn">Gus</cite></div>
              <div class="comment-date"><a href="#comment-802">June 2, 2016</a></div>
              <p>Child text.</p></div>
            <div class="comment-childs" id="comment-803"><div class="comment-author"><cite
              class="fn">Hal</cite></div>
              <div class="comment-date"><a href="#comment-803">June 3, 2016</a></div>
              <p>Second child.</p></div></div></li></ol>""",
        (("801", None, "Fay", "June 1, 2016", "Parent text."),
         ("802", "801", "Gus", "June 2, 2016", "Child text."),
         ("803", "801", "Hal", "June 3, 2016", "Second child.")),
        source="profile",
    ),
    Family(
        "text-in-vcard",  # the text p inside div.comment-author.vcard
        """<ol class="commentlist"><li class="comment" id="comment-901">
          <div class="comment-author vcard"><img class="avatar" src="a.png" alt=""><cite class="fn">Gia</cite>
            <span class="says">says:</span>
            <div class="comment-meta commentmetadata"><a href="#comment-901">July 1, 2017 at 1:00 pm</a></div>
            <p>Text inside the vcard.</p></div>
          <div class="reply"><a class="comment-reply-link" href="#">Reply</a></div></li></ol>""",
        (("901", None, "Gia", "July 1, 2017 at 1:00 pm", "Text inside the vcard."),),
        source="profile",
    ),
    Family(
        "smileys",  # wp-smiley and CommentLuv's span.cluv, in text read from the rest of the item
        """<ol class="commentlist"><li class="comment" id="comment-1001">
          <cite class="fn">Ivo</cite> <a href="#comment-1001" class="comment-date">August 1, 2018</a>
          <p>Nice one <img src="s.png" alt=":)" class="wp-smiley" style="height: 1em"> really.</p>
          <span class="cluv">Ivo recently posted…<a href="http://ivo.test/g">My garden</a><span
            class="heart_tip_box"><img
            class="heart_tip u" alt="My Profile" width="16" height="14" src="heart.gif"></span></span></li>
          <li class="comment" id="comment-1002"><div class="comment-author vcard"><cite
            class="fn">Jan</cite></div>
            <div class="comment-content"><p>Main path <img src="w.png" alt=";)" class="wp-smiley"> too.</p>
            </div></li></ol>""",
        (("1001", None, "Ivo", "August 1, 2018",
          "Nice one :) really.\n\nIvo recently posted…My garden My Profile"),
         ("1002", None, "Jan", None, "Main path ;) too.")),
        source="profile",
    ),
]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_family_comments_come_back_exactly(family: Family) -> None:
    record = page(family)
    got = [(c.id, c.parent_id, c.author, c.published, c.text) for c in record.comments]
    assert got == list(family.expected)
    assert record.sources["comments"] == family.source


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_no_comment_text_in_the_article_and_no_article_text_in_comments(family: Family) -> None:
    record = page(family)
    text = record.article.text or ""
    assert "harbour" in text and "boats" in text
    for comment in record.comments:
        assert (comment.text or "x") not in text
        assert "harbour" not in (comment.text or "") and "boats" not in (comment.text or "")


def test_json_ld_comments_when_the_markup_says_nothing() -> None:
    data = {"@context": "https://schema.org", "@type": "BlogPosting", "headline": "Harbour",
            "author": {"@type": "Person", "name": "Ann Editor"}, "datePublished": "2021-05-05",
            "commentCount": 2,
            "comment": [{"@type": "Comment", "@id": "https://blog.test/p/#comment-31",
                         "author": {"@type": "Person", "name": "Bo"}, "dateCreated": "2021-05-06T08:00:00Z",
                         "text": "Structured words.",
                         "comment": [{"@type": "Comment", "url": "https://blog.test/p/#comment-32",
                                      "author": "Cy", "text": "Structured reply."}]}]}
    family = Family("json-ld", f"<script type='application/ld+json'>{json.dumps(data)}</script>",
                    (), profile="generic", article_html=f"<div class='x'>{POST}</div>")
    record = page(family)
    assert [(c.id, c.parent_id, c.author, c.published, c.text) for c in record.comments] == [
        ("31", None, "Bo", "2021-05-06T08:00:00+00:00", "Structured words."),
        ("32", "31", "Cy", None, "Structured reply."),
    ]
    assert (record.article.title, record.article.author, record.article.published) == (
        "Harbour", "Ann Editor", "2021-05-05")
    assert record.sources == {"title": "structured", "author": "structured", "published": "structured",
                              "text": "fallback", "comments": "structured"}
    assert record.warnings == []


def test_disqus_in_its_iframe() -> None:
    disqus = next(f for f in FAMILIES if f.name == "disqus-in-dom")
    frame = f"<html><body>{disqus.comments_html}</body></html>"
    family = Family("framed", "<div id='disqus_thread'><iframe src='https://disqus.test/e'></iframe></div>",
                    (), profile="generic")
    record = page(family, frames={"#disqus_thread iframe": frame})
    assert [(c.id, c.parent_id, c.author) for c in record.comments] == [
        ("501", None, "Oz"), ("502", "501", "Pia")]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_a_whole_thread_carries_no_warning(family: Family) -> None:
    assert page(family).warnings == list(family.warnings)


def test_a_stray_one_item_thread_alone_is_kept_with_a_warning() -> None:
    # The "Comment" tools link is all the `li.comment` selector finds, and nothing else reads as a
    # thread: it is kept (it may be a comment) but the record says why it may not be one.
    family = Family("stray", "<ul class='tools'><li class='comment'><a href='#c'>Comment</a></li></ul>",
                    (), profile="generic", generator=None)
    record = page(family)
    assert [(c.id, c.author, c.text) for c in record.comments] == [(None, None, "Comment")]
    assert any("without id or author" in w for w in record.warnings), record.warnings


def test_comments_without_text_are_a_warning() -> None:
    family = Family("no-text", """<ol class="commentlist">
      <li class="comment" id="comment-11"><div class="comment-author vcard"><cite class="fn">Ann</cite></div>
        <div class="comment-meta commentmetadata"><a href="#comment-11">May 1, 2020</a></div></li>
      <li class="comment" id="comment-12"><div class="comment-author vcard"><cite class="fn">Bo</cite></div>
        <div class="comment-content"><p>Has words.</p></div></li></ol>""", ())
    record = page(family)
    assert [(c.id, c.text) for c in record.comments] == [("11", None), ("12", "Has words.")]
    assert any(w.startswith("1 of 2 comments have empty text (11)") for w in record.warnings), record.warnings
