// Draws the story's reactions from /story.json after load; a reaction's replies go in its div.rx-kids.
"use strict";
(function () {
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  function draw(rx) {
    const node = el("section", { class: "rx", "data-rx": rx.id },
      el("div", { class: "rx-top" }, el("strong", { class: "rx-nick" }, rx.nick), " ",
        el("small", { class: "rx-when", title: rx.at }, rx.shown)),
      el("div", { class: "rx-msg" }, rx.text),
      el("div", { class: "rx-tools" }, el("button", { type: "button" }, "Reply")));
    if (rx.kids && rx.kids.length) node.append(el("div", { class: "rx-kids" }, ...rx.kids.map(draw)));
    return node;
  }

  window.addEventListener("load", async () => {
    const response = await fetch("/story.json", { cache: "no-store" });
    const data = await response.json();
    document.getElementById("board").replaceChildren(...data.reactions.map(draw));
  });
})();
