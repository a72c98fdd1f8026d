"""HTTP for the demo site: the pages, their JSON, and the same mutations as the Python API.

Routes (JSON bodies; errors answer {"error": "..."} with 400 for bad input, 404 for unknown ids):
    GET    /  /2016/10/19/russia-seeks-honest-cooperation-in-syria-lavrov/  /lazy/  /infinite/  /framed/
    GET    /widget/[?thread=article]            the comments iframe of /framed/
    GET    /static/NAME                         JS, CSS, SVG
    GET    /api/                                 this list, with example bodies (scraper.demo.api)
    GET    /api/article.json  /api/likes.json  /api/comments.json[?thread=&offset=&limit=]
    POST   /api/comments        {author, text, parent_id?, published?, thread?, author_url?} -> 201
    PUT    /api/comments/ID     {text}
    DELETE /api/comments/ID
    PUT    /api/article         {title?, paragraphs?, tags?, likes?}
    PUT    /api/layout          {broken}
    POST   /api/reset
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from scraper.demo import api, pages
from scraper.demo.state import THREADS, Comment, DemoState, InvalidInput

_STATIC_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
_MAX_BODY: Final = 1 << 20
_COMMENT_ID: Final = re.compile(r"/api/comments/([^/]+)")


class DemoServer(ThreadingHTTPServer):
    """Loopback only: the demo has no authentication and anyone who reaches it can edit it."""

    daemon_threads = True
    # The default backlog of 5 drops connections when a browser and a test hit it at once, and a
    # dropped SYN costs a one-second retransmit.
    request_queue_size = 128

    def __init__(self, port: int, state: DemoState) -> None:
        super().__init__(("127.0.0.1", port), DemoHandler)
        self.state = state

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that drops a connection (a failed page's context closed mid-load) is no error
        # of the server's: no traceback on stderr for it.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Response:
    def __init__(self, status: int, body: bytes, content_type: str) -> None:
        self.status, self.body, self.content_type = status, body, content_type

    @classmethod
    def json(cls, data: object, status: int = HTTPStatus.OK) -> Response:
        body = json.dumps(data, ensure_ascii=False, indent=1).encode()
        return cls(status, body, "application/json; charset=utf-8")

    @classmethod
    def html(cls, text: str, status: int = HTTPStatus.OK) -> Response:
        return cls(status, text.encode(), "text/html; charset=utf-8")

    @classmethod
    def error(cls, status: int, message: str) -> Response:
        return cls.json({"error": message}, status)


class DemoHandler(BaseHTTPRequestHandler):
    server: DemoServer
    server_version = "nginx"  # what WordPress.com answers with; cosmetic
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no stderr line per request (tests and the demo would drown in them)."""

    def do_GET(self) -> None:
        self._answer(self._get)

    def do_POST(self) -> None:
        self._answer(self._post)

    def do_PUT(self) -> None:
        self._answer(self._put)

    def do_DELETE(self) -> None:
        self._answer(self._delete)

    # -- plumbing --

    def _answer(self, route: Callable[[str], Response]) -> None:
        try:
            response = route(urlsplit(self.path).path)
        except InvalidInput as exc:
            response = Response.error(HTTPStatus.BAD_REQUEST, str(exc))
        except LookupError as exc:  # unknown comment id, paragraph index
            response = Response.error(HTTPStatus.NOT_FOUND, str(exc))
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        # Every check must see the current state, never a cached copy.
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(response.body)

    def _query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def _body(self) -> dict[str, Any]:
        raw_length = self.headers.get("Content-Length") or "0"
        if not raw_length.isdigit():
            raise InvalidInput(f"bad Content-Length {raw_length!r}")
        length = int(raw_length)
        if length > _MAX_BODY:
            raise InvalidInput(f"request body over {_MAX_BODY} bytes")
        raw = self.rfile.read(length)
        try:
            data = json.loads(raw or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"request body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise InvalidInput("request body must be a JSON object")
        return data

    @property
    def _state(self) -> DemoState:
        return self.server.state

    # -- routes --

    def _get(self, path: str) -> Response:
        if path.startswith("/api/"):
            return self._get_api(path)
        if path.startswith("/static/"):
            return _static(path.removeprefix("/static/"))
        if path in pages.PAGES:
            return self._article(pages.PAGES[path])
        if path == "/widget/":
            return Response.html(pages.widget_page(_thread(self._query())))
        if path == "/":
            return Response.html(pages.index_page())
        if path == "/favicon.ico":  # browsers ask; a 404 would be a console error in every test
            return Response(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        return Response.html("<!DOCTYPE html><title>Not Found</title><h1>Not Found</h1>",
                             HTTPStatus.NOT_FOUND)

    def _get_api(self, path: str) -> Response:
        snapshot = self._state.snapshot()
        if path == "/api/":
            return Response.json(api.index(f"http://127.0.0.1:{self.server.port}"))
        if path == "/api/article.json":
            return Response.json(snapshot.article.to_json())
        if path == "/api/likes.json":
            return Response.json({"likes": snapshot.article.likes})
        if path == "/api/comments.json":
            return Response.json(_comments_page(snapshot.thread(_thread(self._query())),
                                                self._query()))
        return _no_route(path)

    def _article(self, page: pages.Page) -> Response:
        snapshot = self._state.snapshot()
        if snapshot.broken:
            return Response.html(pages.consent_page())
        return Response.html(pages.article_page(snapshot, page, widget_url=self._widget_url()))

    def _widget_url(self) -> str:
        """The iframe always points at the other loopback name, so it is cross-origin either way."""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        other = "127.0.0.1" if host == "localhost" else "localhost"
        return f"http://{other}:{self.server.port}/widget/"

    def _post(self, path: str) -> Response:
        if path == "/api/comments":
            body = _only(self._body(), required={"author", "text"},
                         optional={"parent_id", "published", "thread", "author_url"})
            if body.get("parent_id") is not None:
                body["parent_id"] = _id(body["parent_id"])
            new_id = self._state.add_comment(**body)
            return Response.json(self._state.snapshot().comment(new_id).to_json(),
                                 HTTPStatus.CREATED)
        if path == "/api/reset":
            self._state.reset()
            return Response.json({"reset": True})
        return _no_route(path)

    def _put(self, path: str) -> Response:
        if match := _COMMENT_ID.fullmatch(path):
            body = _only(self._body(), required={"text"})
            self._state.edit_comment(match[1], body["text"])
            return Response.json(self._state.snapshot().comment(match[1]).to_json())
        if path == "/api/article":
            body = _only(self._body(), optional={"title", "paragraphs", "tags", "likes"})
            self._state.update_article(**body)
            article = self._state.snapshot().article
            return Response.json({**article.to_json(), "likes": article.likes})
        if path == "/api/layout":
            self._state.set_broken(_only(self._body(), required={"broken"})["broken"])
            return Response.json({"broken": self._state.snapshot().broken})
        return _no_route(path)

    def _delete(self, path: str) -> Response:
        if match := _COMMENT_ID.fullmatch(path):
            self._state.delete_comment(match[1])
            return Response.json({"deleted": match[1]})
        return _no_route(path)


def _no_route(path: str) -> Response:
    return Response.error(HTTPStatus.NOT_FOUND, f"no such endpoint: {path} (GET /api/ lists them)")


def _static(name: str) -> Response:
    suffix = name[name.rfind("."):] if "." in name else ""
    file = pages.STATIC_DIR / name
    # Only plain files straight inside static/, and not the HTML templates.
    if "/" in name or "\\" in name or suffix not in _STATIC_TYPES or not file.is_file():
        return Response.html("<h1>Not Found</h1>", HTTPStatus.NOT_FOUND)
    return Response(HTTPStatus.OK, file.read_bytes(), _STATIC_TYPES[suffix])


def _only(body: dict[str, Any], *, required: AbstractSet[str] = frozenset(),
          optional: AbstractSet[str] = frozenset()) -> dict[str, Any]:
    """The body's keys, checked: a typo is refused with the keys that are allowed."""
    unknown = sorted(set(body) - required - optional)
    if unknown:
        allowed = ", ".join(sorted(required | optional))
        raise InvalidInput(f"unknown field(s) {', '.join(unknown)}; allowed: {allowed}")
    missing = sorted(required - set(body))
    if missing:
        raise InvalidInput(f"missing field(s): {', '.join(missing)}")
    return {k: v for k, v in body.items() if v is not None or k in required}


def _id(value: object) -> str:
    """Ids are strings; a number is accepted too, for people typing JSON by hand."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidInput(f"parent_id must be a comment id, got {value!r}")
    return str(value)


def _thread(query: dict[str, str]) -> str:
    thread = query.get("thread", "article")
    if thread not in THREADS:
        raise InvalidInput(f"unknown thread {thread!r}; known threads: {', '.join(THREADS)}")
    return thread


def _comments_page(thread: tuple[Comment, ...], query: dict[str, str]) -> dict[str, Any]:
    """A slice of a thread in display order; a reply may come a batch after its parent."""
    offset = _natural(query, "offset", 0)
    limit = _natural(query, "limit", len(thread))
    batch = thread[offset:offset + limit]
    return {
        "total": len(thread), "offset": offset, "limit": limit,
        "has_more": offset + len(batch) < len(thread),
        "comments": [c.to_json() for c in batch],
    }


def _natural(query: dict[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise InvalidInput(f"{name} must be a whole number >= 0, got {raw!r}")
    return int(raw)
