/* How each demo page gets its comments, chosen by <body data-page>:
 *   article   everything after the load event (what a scraper that stops at "load" misses)
 *   lazy      a batch at a time; a.load-more-comments fetches the next, and is removed after the last
 *   infinite  a batch at a time; the next loads when #comments-sentinel scrolls into view
 *   framed    the list is in a cross-origin iframe, which reports back by postMessage
 *   widget    the page inside that iframe
 * Signals for scrapers and tests: window.commentsLoaded + <html data-comments-loaded="1"> once the
 * first comments are drawn; window.commentsComplete + <html data-comments-complete="1"> once all are. */
"use strict";

(function () {
  const C = window.DemoComments;
  const body = document.body;
  const thread = body.dataset.thread;
  const pageSize = Number(body.dataset.pageSize) || 5;
  const WIDGET_MESSAGE = "demo-comments-loaded";

  function markLoaded() {
    window.commentsLoaded = true;
    document.documentElement.dataset.commentsLoaded = "1";
  }

  function markComplete() {
    window.commentsComplete = true;
    document.documentElement.dataset.commentsComplete = "1";
  }

  function commentsURL(offset, limit) {
    const query = new URLSearchParams({ thread });
    if (limit !== undefined) {
      query.set("offset", String(offset));
      query.set("limit", String(limit));
    }
    return `/api/comments.json?${query}`;
  }

  function commentList() {
    return new C.CommentList(document.querySelector("#comments ol.commentlist"));
  }

  /* Tags and likes, which every article page draws; resolves to the article JSON. */
  async function drawArticleExtras() {
    const [article, likes] = await Promise.all(
      [C.getJSON("/api/article.json"), C.getJSON("/api/likes.json")]);
    C.fillTags(document.querySelector(".entry-utility .tag-links"), article.tags);
    C.fillLikes(document.querySelector(".sharedaddy.sd-like"), likes.likes);
    return article;
  }

  async function drawWholeThread(article) {
    const data = await C.getJSON(commentsURL());
    C.heading(document.getElementById("comments-title"), data.total, article.title);
    const list = commentList();
    data.comments.forEach((comment) => list.add(comment));
    return data;
  }

  async function articlePage() {
    const article = await drawArticleExtras();
    await drawWholeThread(article);
    markLoaded();
    markComplete();
  }

  /* A paged thread: next() draws one more batch; done() says whether all are shown. */
  function pager(article, onFinished) {
    const list = commentList();
    let offset = 0;
    let finished = false;
    let busy = null;
    async function fetchBatch() {
      const data = await C.getJSON(commentsURL(offset, pageSize));
      C.heading(document.getElementById("comments-title"), data.total, article.title);
      data.comments.forEach((comment) => list.add(comment));
      offset += data.comments.length;
      if (!data.has_more) {
        finished = true;
        onFinished();
        markComplete();
      }
    }
    return {
      /* One batch at a time: a call while a batch is in flight waits for that batch instead. */
      next() {
        if (!busy && !finished) busy = fetchBatch().finally(() => { busy = null; });
        return busy || Promise.resolve();
      },
      done: () => finished,
    };
  }

  async function lazyPage() {
    const article = await drawArticleExtras();
    const link = document.querySelector("a.load-more-comments");
    const pages = pager(article, () => link.closest(".comments-nav").remove());
    link.addEventListener("click", (event) => {
      event.preventDefault();
      link.dataset.loading = "1";
      pages.next().finally(() => { delete link.dataset.loading; });
    });
    await pages.next();
    markLoaded();
  }

  async function infinitePage() {
    const article = await drawArticleExtras();
    const sentinel = document.getElementById("comments-sentinel");
    const pages = pager(article, () => sentinel.remove());
    const inView = () => sentinel.isConnected &&
      sentinel.getBoundingClientRect().top <= window.innerHeight;
    /* After a batch the sentinel may still be on screen (tall window): keep going, because the
     * observer only reports changes and would wait for a scroll that never comes. */
    async function pump() {
      while (!pages.done() && inView()) await pages.next();
    }
    await pages.next();
    markLoaded();
    new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) pump();
    }).observe(sentinel);
  }

  /* The parent of the comments iframe cannot look inside (other origin), so it trusts the widget's
   * message, and sizes the frame to the list. It listens from the start, not from "load". */
  function listenToWidget() {
    const frame = document.getElementById("comments-frame");
    const widgetOrigin = new URL(frame.src).origin;
    window.addEventListener("message", (event) => {
      const data = event.data || {};
      if (event.origin !== widgetOrigin || event.source !== frame.contentWindow) return;
      if (data.type !== WIDGET_MESSAGE) return;
      if (Number.isFinite(data.height)) frame.style.height = `${Math.ceil(data.height)}px`;
      markLoaded();
      markComplete();
    });
  }

  async function widgetPage() {
    const article = await C.getJSON("/api/article.json");
    const data = await drawWholeThread(article);
    markLoaded();
    markComplete();
    if (window.parent !== window) {
      const height = document.documentElement.scrollHeight;
      window.parent.postMessage({ type: WIDGET_MESSAGE, total: data.total, height }, "*");
    }
  }

  function fail(error) {
    document.documentElement.dataset.commentsError = String(error);
    console.error(error);
  }

  const page = body.dataset.page;
  if (page === "framed") listenToWidget();
  const onLoad = {
    article: articlePage,
    lazy: lazyPage,
    infinite: infinitePage,
    framed: drawArticleExtras,
    widget: widgetPage,
  }[page];
  if (onLoad) window.addEventListener("load", () => onLoad().catch(fail));
})();
