"""Helpers every page shares: the session, rendering with the CSRF token, redirects, look-ups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from scraper import store
from scraper.store import Watch
from scraper.web.context import AppContext
from scraper.web.security import CSRF_FIELD, CSRF_HEADER, csrf_token

NAV = (("/", "Watches"), ("/outbox", "Outbox"), ("/captures", "Captures"),
       ("/profiles", "Profiles"), ("/status", "Status"))


def ctx_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def db(request: Request) -> Iterator[Session]:
    with Session(ctx_of(request).engine) as session:
        yield session


def page(request: Request, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    ctx = ctx_of(request)
    token = csrf_token(request)
    html = ctx.render(template, request=request, nav=NAV, csrf_field=CSRF_FIELD, csrf=token,
                      csrf_header=CSRF_HEADER, auth=ctx.settings.admin_password is not None,
                      path=request.url.path, **values)
    return HTMLResponse(html, status_code=status)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def watch_or_404(session: Session, ref: str | int) -> Watch:
    """The watch, for the pages that read its checks in their own session (NotFound: a 404)."""
    return store.get_watch(session, str(ref))
