"""The bundled demo site: the seed page as a WordPress.com-style blog whose comments, tags and likes
are drawn by JavaScript, served from loopback, with content that tests can change.

    with DemoSite() as site:
        site.add_comment("Ann", "First!")          # -> "4550"
        record = capture(site.article_url)

Pages: `article_url` (the seed page), `lazy_url` ("Load more comments"), `infinite_url` (loads on
scroll), `framed_url` (comments in a cross-origin iframe). `break_layout()` swaps every article page
for a consent wall. HTTP equivalents of every mutation are listed in `scraper.demo.handler` and
answered by `GET /api/` (`scraper.demo.api`).
"""

from __future__ import annotations

import threading
from types import TracebackType

from scraper.demo import seed
from scraper.demo.handler import DemoServer
from scraper.demo.state import DemoState, SiteState

__all__ = ["DemoSite", "SiteState"]


class DemoSite:
    """A local demo blog in a daemon thread. `port=0` picks a free port."""

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._state = DemoState()
        self._server: DemoServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --

    def start(self) -> DemoSite:
        if self._server is not None:
            raise RuntimeError(f"DemoSite already running at {self.base_url}")
        self._server = DemoServer(self._port, self._state)
        # A short poll interval so stop() returns in milliseconds, not the default half second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"demo-site:{self._server.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses --

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("DemoSite is not running: call start() or use it in a with-block")
        return self._server.port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def article_url(self) -> str:
        return self.base_url + seed.ARTICLE_PATH

    @property
    def lazy_url(self) -> str:
        return self.base_url + "/lazy/"

    @property
    def infinite_url(self) -> str:
        return self.base_url + "/infinite/"

    @property
    def framed_url(self) -> str:
        return self.base_url + "/framed/"

    @property
    def widget_url(self) -> str:
        """The iframe inside `framed_url`: same server, other host name, hence another origin."""
        return f"http://localhost:{self.port}/widget/"

    # -- content --

    @property
    def state(self) -> SiteState:
        """A frozen snapshot of the current content, for assertions."""
        return self._state.snapshot()

    def add_comment(
        self, author: str, text: str, *, parent_id: str | None = None,
        published: str | None = None, thread: str | None = None, author_url: str | None = None,
    ) -> str:
        """Add a comment and return its id. A reply joins its parent's thread; otherwise `thread`
        picks one of "article" (default; also shown by /framed/), "lazy", "infinite". Without
        `published` the date follows from the id, so captures are reproducible."""
        return self._state.add_comment(
            author, text, parent_id=parent_id, published=published, thread=thread,
            author_url=author_url,
        )

    def edit_comment(self, comment_id: str, text: str) -> None:
        self._state.edit_comment(comment_id, text)

    def delete_comment(self, comment_id: str) -> None:
        """Delete a comment; its replies move up to its parent, as in WordPress."""
        self._state.delete_comment(comment_id)

    def edit_paragraph(self, index: int, text: str) -> None:
        """Replace one article paragraph (0-based); IndexError when out of range."""
        self._state.edit_paragraph(index, text)

    def set_title(self, title: str) -> None:
        self._state.update_article(title=title)

    def set_tags(self, tags: list[str]) -> None:
        self._state.update_article(tags=tags)

    def set_likes(self, n: int) -> None:
        self._state.update_article(likes=n)

    def break_layout(self, broken: bool = True) -> None:
        """Serve a consent wall instead of every article page (a redesign, as a watcher sees it)."""
        self._state.set_broken(broken)

    def reset(self) -> None:
        """Back to the seed content, comment ids included."""
        self._state.reset()
