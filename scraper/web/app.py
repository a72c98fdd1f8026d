"""The dashboard and REST API: one FastAPI application over the same store the CLI uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from scraper.base.errors import Conflict, DomainError, Forbidden, InputError, Invalid, JobFailed, NotFound
from scraper.base.terminal import safe
from scraper.config.settings import Settings
from scraper.web import api_other, api_watches, feeds, pages_builder, pages_other, pages_watches
from scraper.web.context import WEB_DIR, AppContext
from scraper.web.errors import ApiError
from scraper.web.errors import NotFound as PageNotFound
from scraper.web.security import CsrfRefused, Unauthorized, headers_middleware

API = "/api/v1"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


# Domain errors by type: the one place where they become HTTP statuses.
_STATUS: dict[type[DomainError], int] = {NotFound: 404, Forbidden: 403, Conflict: 409, Invalid: 422}


def _in_web_words(exc: DomainError) -> str:
    """The message, and what to set to go ahead anyway (`allow_duplicate`): the web names the
    fields as the domain does (the API's body keys, the form's fields)."""
    if isinstance(exc, Conflict) and exc.override:
        return f"{exc}; set {exc.override} to watch it anyway"
    return str(exc)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API + "/") or request.url.path == API


def _error(request: Request, status: int, message: str, where: str) -> Response:
    message = safe(message)
    if _is_api(request):
        return JSONResponse({"error": message, "where": where}, status_code=status)
    ctx: AppContext = request.app.state.ctx
    html = ctx.render("error.html", status=status, message=message, where=where, request=request,
                      auth=ctx.settings.admin_password is not None)
    return HTMLResponse(html, status_code=status)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return _error(request, exc.status, str(exc), exc.where)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 422)
        return _error(request, status, _in_web_words(exc),
                      exc.where or ("path" if isinstance(exc, NotFound) else "input"))

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> Response:
        return _error(request, 422, str(exc), exc.where or "input")

    @app.exception_handler(JobFailed)
    async def job_failed(request: Request, exc: JobFailed) -> Response:
        return _error(request, 502, str(exc), "job")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first: dict[str, Any] = exc.errors()[0] if exc.errors() else {"msg": "invalid", "loc": ()}
        where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query"))
        return _error(request, 422, f"{where or 'input'}: {first.get('msg')}", where or "input")

    @app.exception_handler(Unauthorized)
    async def unauthorized(request: Request, exc: Unauthorized) -> Response:
        if _is_api(request) or request.url.path.startswith("/feeds/"):
            response = _error(request, 401, str(exc), exc.where)
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf(request: Request, exc: CsrfRefused) -> Response:
        return _error(request, 403, "this form is not from this dashboard (missing or wrong CSRF "
                      "token): reload the page and try again", "csrf_token")

    @app.exception_handler(PageNotFound)
    async def not_found(request: Request, exc: PageNotFound) -> Response:
        return _error(request, 404, str(exc), exc.where)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # A bug or a failure nobody classified: one line for the person, the traceback in the log.
        from loguru import logger

        from scraper.base.failures import classify

        logger.opt(exception=exc).error("{} {}: {}", request.method, request.url.path, exc)
        return _error(request, 500, classify(exc).message, "server")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail), "path")


def create_app(settings: Settings, engine: Engine, *, loopback: bool = True,
               browser: Any = None) -> FastAPI:
    """The application. `loopback`: served on a loopback address only, so requests must name a
    loopback host too (a DNS-rebinding page cannot reach it by another name). `browser`: a
    `BrowserSession` to share (else one is launched on first use and closed at shutdown)."""
    ctx = AppContext(settings=settings, engine=engine, browser_session=browser)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.close()

    app = FastAPI(title="scraper", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=f"{API}/openapi.json")
    app.state.ctx = ctx
    app.middleware("http")(headers_middleware)
    if loopback:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=LOOPBACK_HOSTS)
    _handlers(app)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    for module in (pages_watches, pages_builder, pages_other, feeds):
        app.include_router(module.router)
    app.include_router(api_watches.router, prefix=API)
    app.include_router(api_other.router, prefix=API)
    return app
