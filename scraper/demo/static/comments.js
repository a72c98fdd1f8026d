/* Draws WordPress classic-theme (Twenty Ten) markup from the demo site's JSON: the comment list,
 * its heading, the tag names and the like count.
 * Page data only ever reaches the DOM through text nodes and setAttribute, never innerHTML, so a
 * comment such as "<b>hi</b>" shows as typed. */
"use strict";

(function () {
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  /* "October 19, 2016 at 3:12 pm", in UTC so the page reads the same on every machine. */
  function humanDate(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    const h = d.getUTCHours();
    const mm = String(d.getUTCMinutes()).padStart(2, "0");
    return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()} at ` +
      `${h % 12 || 12}:${mm} ${h < 12 ? "am" : "pm"}`;
  }

  /* createElement with attributes and children (strings become text nodes). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  /* Only http(s) links from the data: a "javascript:" author URL must not become a link. */
  function safeHref(url) {
    try {
      const parsed = new URL(url, location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  /* One paragraph's children: the first occurrence of each link text becomes an <a>, single
   * newlines become <br> (as WordPress's autop does). */
  function inlineNodes(text, links) {
    let parts = [text];
    for (const link of links || []) {
      const href = safeHref(link.href);
      if (!href) continue;
      let placed = false;
      parts = parts.flatMap((part) => {
        const at = typeof part === "string" && !placed ? part.indexOf(link.text) : -1;
        if (at < 0 || !link.text) return [part];
        placed = true;
        return [part.slice(0, at), el("a", { href, rel: "nofollow" }, link.text),
          part.slice(at + link.text.length)];
      });
    }
    return parts.flatMap((part) => {
      if (typeof part !== "string") return [part];
      return part.split("\n").flatMap((line, i) => (i ? [el("br"), line] : [line]));
    });
  }

  function paragraphs(text, links) {
    return text.split(/\n[ \t]*\n/).map((p) => p.trim()).filter(Boolean)
      .map((p) => el("p", {}, ...inlineNodes(p, links)));
  }

  function authorNode(comment) {
    const href = comment.author_url && safeHref(comment.author_url);
    const name = href
      ? el("a", { href, rel: "external nofollow", class: "url" }, comment.author)
      : comment.author;
    return el("cite", { class: "fn" }, name);
  }

  /* An ol.commentlist that grows one comment at a time, in display order (parents first). It keeps
   * WordPress's even/odd and thread-even/thread-odd counters across batches. */
  class CommentList {
    constructor(list) {
      this.list = list;
      this.count = 0;
      this.threads = 0;
    }

    add(comment) {
      const parent = comment.parent_id &&
        this.list.querySelector(`#li-comment-${CSS.escape(comment.parent_id)}`);
      const depth = parent ? Number(parent.dataset.depth) + 1 : 1;
      const li = this.item(comment, depth);
      if (parent) {
        parent.classList.add("parent");
        let children = parent.querySelector(":scope > ul.children");
        if (!children) children = parent.appendChild(el("ul", { class: "children" }));
        children.append(li);
      } else {
        this.list.append(li);
      }
      return li;
    }

    item(comment, depth) {
      const id = comment.id;
      const classes = ["comment", this.count++ % 2 ? "odd alt" : "even"];
      if (depth === 1) classes.push(this.threads++ % 2 ? "thread-odd thread-alt" : "thread-even");
      classes.push(`depth-${depth}`);
      const body = el("div", { id: `comment-${id}` },
        el("div", { class: "comment-author vcard" },
          el("img", { alt: "", src: "/static/avatar.svg", class: "avatar avatar-40 photo",
            height: "40", width: "40" }),
          authorNode(comment), " ", el("span", { class: "says" }, "Says:")),
        el("div", { class: "comment-meta commentmetadata" },
          el("a", { href: `#comment-${id}` },
            el("time", { datetime: comment.published }, humanDate(comment.published)))),
        el("div", { class: "comment-content" }, ...paragraphs(comment.text, comment.links)),
        el("div", { class: "reply" },
          el("a", { class: "comment-reply-link", rel: "nofollow", href: `?replytocom=${id}#respond`,
            "data-commentid": id, "aria-label": `Reply to ${comment.author}` }, "Reply")));
      return el("li", { class: classes.join(" "), id: `li-comment-${id}`, "data-depth": depth },
        body);
    }
  }

  /* Twenty Ten's heading; it has none while a post has no comments. */
  function heading(node, total, title) {
    node.hidden = total === 0;
    node.textContent = total === 0 ? "" :
      `${total === 1 ? "One Response" : `${total} Responses`} to “${title}”`;
  }

  function fillTags(container, tags) {
    const links = tags.map((tag) => el("a", { href: `/tag/${slug(tag)}/`, rel: "tag" }, tag));
    container.replaceChildren("Tags: ", ...links.flatMap((a, i) => (i ? [", ", a] : [a])));
  }

  function slug(tag) {
    return tag.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "tag";
  }

  function fillLikes(widget, likes) {
    const who = likes === 1 ? "1 blogger" : `${likes} bloggers`;
    widget.querySelector(".likes-widget-placeholder").replaceChildren(
      el("span", { class: "button" }, el("span", {}, "Like")), " ",
      el("span", { class: "wpl-count" }, who), likes === 1 ? " likes this." : " like this.");
    widget.classList.replace("jetpack-likes-widget-unloaded", "jetpack-likes-widget-loaded");
  }

  async function getJSON(url) {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  window.DemoComments = { CommentList, heading, fillTags, fillLikes, getJSON };
})();
