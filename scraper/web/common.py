"""Helpers every page shares: the app context, rendering with the CSRF token, redirects."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scraper.web.context import AppContext
from scraper.web.security import CSRF_FIELD, CSRF_HEADER, csrf_token

NAV = (("/", "Watches"), ("/outbox", "Outbox"), ("/captures", "Captures"),
       ("/profiles", "Profiles"), ("/status", "Status"))


def ctx_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def page(request: Request, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    from scraper.service.heartbeat import scheduler_notice

    ctx = ctx_of(request)
    token = csrf_token(request)
    # Not on the login page: how many watches there are is for the signed in.
    notice = None if template == "login.html" else scheduler_notice(ctx.engine)
    html = ctx.render(template, request=request, nav=NAV, csrf_field=CSRF_FIELD, csrf=token,
                      csrf_header=CSRF_HEADER, auth=ctx.settings.admin_password is not None,
                      path=request.url.path, scheduler_notice=notice, **values)
    return HTMLResponse(html, status_code=status)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def go_to(request: Request, url: str) -> Response:
    """Where a form's POST leads: a 303; or, to a form htmx sent (it keeps the button disabled while
    the request lasts), HX-Redirect, which htmx follows as a full page load."""
    if request.headers.get("HX-Request") != "true":
        return see_other(url)
    headers = {"HX-Redirect": url}
    here, there = urlsplit(request.headers.get("HX-Current-URL", "")), urlsplit(url)
    if (here.path, here.query) == (there.path, there.query):
        # Only the #fragment differs: the browser would just scroll; htmx reloads at it instead.
        headers["HX-Refresh"] = "true"
    return Response(headers=headers)
