"""What `GET /api/` answers: every endpoint of the demo site, with an example body and a curl line.

The README's "Changing the demo site" section shows the same calls; a test runs them.
"""

from __future__ import annotations

import json
from typing import Any

ENDPOINTS: tuple[dict[str, Any], ...] = (
    {"method": "GET", "path": "/api/article.json", "does": "the article (title, paragraphs, tags)"},
    {"method": "GET", "path": "/api/likes.json", "does": "the like count"},
    {"method": "GET", "path": "/api/comments.json?thread=article&offset=0&limit=5",
     "does": "a thread's comments in display order (threads: article, lazy, infinite)"},
    {"method": "POST", "path": "/api/comments", "does": "add a comment (a reply with parent_id)",
     "body": {"author": "Ann", "text": "First!", "parent_id": "4521"}, "answers": "201 + the comment"},
    {"method": "PUT", "path": "/api/comments/4521", "does": "edit a comment's text",
     "body": {"text": "Edited text."}},
    {"method": "DELETE", "path": "/api/comments/4521", "does": "delete a comment (its replies move up)"},
    {"method": "PUT", "path": "/api/article", "does": "change the article (any of these keys)",
     "body": {"title": "New title", "paragraphs": ["One.", "Two."], "tags": ["a", "b"], "likes": 4}},
    {"method": "PUT", "path": "/api/layout", "does": "swap every article page for a consent wall",
     "body": {"broken": True}},
    {"method": "POST", "path": "/api/reset", "does": "back to the seed content"},
)


def index(base_url: str) -> dict[str, Any]:
    """The endpoint list, each with a curl line for this server."""
    endpoints = []
    for e in ENDPOINTS:
        curl = f"curl -s -X {e['method']} {base_url}{e['path']}"
        if "body" in e:
            body = json.dumps(e["body"], ensure_ascii=False)
            curl += f" -H 'Content-Type: application/json' -d '{body}'"
        endpoints.append({**e, "curl": curl})
    return {
        "site": base_url + "/",
        "errors": '{"error": "…"}: 400 for bad input, 404 for an unknown id or endpoint',
        "endpoints": endpoints,
    }
