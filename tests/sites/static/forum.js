// Draws the topic's posts from /forum.json after load; a post's replies go in its .post-replies.
"use strict";
(function () {
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  function draw(post) {
    const body = el("div", { class: "cooked" }, ...post.paragraphs.map((p) => el("p", {}, p)));
    const meta = el("div", { class: "topic-meta" },
      el("a", { class: "username", href: `/u/${post.user}` }, post.user), " ",
      el("time", { datetime: post.at }, post.shown));
    const node = el("article", { class: "topic-post", id: `p${post.id}` }, meta, body,
      el("div", { class: "post-actions" }, el("button", { type: "button" }, "Like"),
        el("button", { type: "button" }, "Reply")));
    if (post.replies && post.replies.length) {
      node.append(el("div", { class: "post-replies" }, ...post.replies.map(draw)));
    }
    return node;
  }

  window.addEventListener("load", async () => {
    const response = await fetch("/forum.json", { cache: "no-store" });
    const data = await response.json();
    document.getElementById("thread").replaceChildren(...data.posts.map(draw));
  });
})();
