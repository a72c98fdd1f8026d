"""Pages: the outbox (with retry), captures (verify, download), profiles (test), status, login."""

from __future__ import annotations

import math
from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from loguru import logger

from scraper.service import captures, profiles, sessions, watches
from scraper.service import outbox as outbox_
from scraper.web import files
from scraper.web.common import ctx_of, page, see_other
from scraper.web.security import (
    MAX_PASSWORD,
    SESSION_COOKIE,
    SESSION_HOURS,
    check_csrf,
    password_ok,
    require_admin,
    secure_request,
)

router = APIRouter(dependencies=[Depends(check_csrf)])
admin = [Depends(require_admin)]


@router.get("/outbox", response_class=HTMLResponse, dependencies=admin)
def outbox(request: Request) -> HTMLResponse:
    return page(request, "outbox.html", rows=outbox_.listing(ctx_of(request).engine, limit=200).items)


@router.post("/outbox/{row_id}/retry", response_model=None, dependencies=admin)
async def retry_row(request: Request, row_id: int) -> RedirectResponse:
    ctx = ctx_of(request)
    await run_in_threadpool(outbox_.retry, ctx.engine, ctx.settings, row_id)
    return see_other(f"/outbox#report-{row_id}")


@router.get("/captures", response_class=HTMLResponse, dependencies=admin)
def capture_list(request: Request, case: str | None = None) -> HTMLResponse:
    listed = captures.listing_with_files(ctx_of(request).engine, case or None).items
    return page(request, "captures.html", captures=listed, case=case or "")


@router.get("/api/v1/docs", response_class=HTMLResponse, dependencies=admin)
def api_docs(request: Request) -> HTMLResponse:
    """The REST API's reference: Swagger UI (vendored: no other host) over /api/v1/openapi.json."""
    html = ctx_of(request).render("api_docs.html", openapi=request.app.openapi_url)
    return HTMLResponse(html)


@router.post("/captures", response_model=None, dependencies=admin)
async def take_capture(request: Request, url: str = Form(""), case: str = Form(""),
                       note: str = Form("")) -> HTMLResponse | RedirectResponse:
    """The form's "take an evidence capture": `scraper capture URL --evidence` (takes seconds)."""
    from scraper.base.errors import ScraperError
    from scraper.base.urls import check_url
    from scraper.evidence.bundle import capture_evidence
    from scraper.evidence.recording import CaptureOptions

    ctx = ctx_of(request)
    try:
        checked = check_url(url.strip())
        await run_in_threadpool(capture_evidence, checked, settings=ctx.settings, engine=ctx.engine,
                                options=CaptureOptions(case=case.strip() or None,
                                                       note=note.strip() or None),
                                session=ctx.browser())
    except ScraperError as exc:  # a bad URL, a page that would not load: said on the form
        listed = captures.listing_with_files(ctx.engine, None).items
        return page(request, "captures.html", status=422, captures=listed, case="",
                    error=str(exc), taken={"url": url, "case": case, "note": note})
    from urllib.parse import quote

    return see_other("/captures" + (f"?case={quote(case.strip())}" if case.strip() else ""))


@router.get("/captures/{capture_id}/verify", response_class=HTMLResponse, dependencies=admin)
def capture_verify(request: Request, capture_id: int) -> HTMLResponse:
    return page(request, "_verify.html", report=captures.verify(ctx_of(request).engine, capture_id,
                                                          ctx_of(request).settings))


@router.get("/captures/{capture_id}/download", dependencies=admin)
def capture_download(request: Request, capture_id: int) -> StreamingResponse:
    return files.download(captures.download_path(ctx_of(request).engine, capture_id))


@router.get("/captures/{capture_id}/files/{name}", dependencies=admin)
def capture_file(request: Request, capture_id: int, name: str) -> StreamingResponse:
    return files.download(captures.download_path(ctx_of(request).engine, capture_id, name))


@router.get("/profiles", response_class=HTMLResponse, dependencies=admin)
async def profile_page(request: Request, url: str = "", profile: str = "") -> HTMLResponse:
    ctx = ctx_of(request)
    result = None
    if url:
        result = await run_in_threadpool(profiles.profile_test, ctx.browser(), url,
                                         profile or None)
    return page(request, "profiles.html", profiles=profiles.profiles(ctx.settings), url=url,
                profile=profile, result=result, sources=profiles.SOURCES)


@router.get("/status", response_class=HTMLResponse, dependencies=admin)
async def status(request: Request) -> HTMLResponse:
    from scraper.doctor import diagnose

    report = await run_in_threadpool(diagnose, ctx_of(request).settings)
    return page(request, "status.html", report=report.to_dict())


# A report's mute link (scraper.reports.mute): no login, the signed token is the permission. A GET
# only asks (mail scanners open links); the button pauses.
@router.get("/mute/{watch_id}/{token}", response_class=HTMLResponse)
def mute_page(request: Request, watch_id: int, token: str) -> HTMLResponse:
    ctx = ctx_of(request)
    found = watches.muted_watch(ctx.engine, ctx.settings, watch_id, token)
    return page(request, "mute.html", watch=found, token=token, done=False)


@router.post("/mute/{watch_id}/{token}", response_class=HTMLResponse)
def mute(request: Request, watch_id: int, token: str) -> HTMLResponse:
    ctx = ctx_of(request)
    found = watches.muted_watch(ctx.engine, ctx.settings, watch_id, token, pause_it=True)
    return page(request, "mute.html", watch=found, token=token, done=True)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return page(request, "login.html", error=None)


@router.post("/login", response_model=None)
def login(request: Request, password: str = Form("", max_length=MAX_PASSWORD)
          ) -> HTMLResponse | RedirectResponse:
    ctx = ctx_of(request)
    expected = ctx.settings.admin_password
    if expected is None:
        return see_other("/")
    client = request.client.host if request.client else "unknown"
    wait = ctx.throttle.wait(client)
    if wait > 0:
        logger.warning("dashboard login from {} refused: {:.0f}s to wait after wrong passwords",
                       client, wait)
        refused = page(request, "login.html", status=429,
                       error=f"too many wrong passwords: try again in {math.ceil(wait)} s")
        refused.headers["Retry-After"] = str(math.ceil(wait))
        return refused
    if not password_ok(password, expected.get_secret_value()):
        failures, delay = ctx.throttle.failed(client)
        logger.warning("dashboard login from {}: wrong password ({} in a row; next try in {:.0f}s)",
                       client, failures, delay)
        return page(request, "login.html", error="wrong password", status=401)
    ctx.throttle.succeeded(client)
    logger.info("dashboard login from {}", client)
    response = see_other("/")
    token = sessions.start(ctx.engine, timedelta(hours=SESSION_HOURS))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=secure_request(request), max_age=SESSION_HOURS * 3600)
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        sessions.end(ctx_of(request).engine, token)  # the cookie is dead wherever it was copied
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response
