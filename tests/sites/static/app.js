// Served cacheable: fetching it again must be answered by Chromium's HTTP cache, not the server.
"use strict";
document.getElementById("script").textContent = "script ran";
fetch("/app.js").then((r) => r.text()).then((body) => {
  document.getElementById("again").textContent = "fetched again: " + (body.length > 0);
});
