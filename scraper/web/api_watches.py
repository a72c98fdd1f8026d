"""REST API: watches (CRUD, pause, resume, rebase, check now), their checks, changes and diffs.

The JSON is what the CLI's `--json` prints; lists are `{"items", "next_cursor"}` (pass
`cursor=next_cursor` for the next page; null: no more)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlmodel import Session

from scraper.base.errors import InputError
from scraper.reports import outbox as rows
from scraper.service import watch_list
from scraper.service.checks import Changes, CheckRow, Diff, changes, diff, history
from scraper.service.paged import Paged
from scraper.store import Watch
from scraper.watches.operations import WatchSpec, add_watch, edit_watch, rebase_watch
from scraper.watches.options import entry_model
from scraper.watches.validate import options_of
from scraper.web import actions
from scraper.web.common import ctx_of, db, watch_or_404
from scraper.web.errors import ApiError
from scraper.web.security import require_token
from scraper.web.watch_form import FormErrors, check, field_of

router = APIRouter(dependencies=[Depends(require_token)], tags=["watches"])
Limit = Query(50, ge=1, le=watch_list.MAX_LIMIT)


ENTRY = entry_model()  # one watch of a watch file: every option, none required
Body_ = Body(..., examples=[{"url": "https://example.org/post", "every": "15m", "tags": ["news"],
                             "notify_on": ["comment_added"]}])


def _options(body: dict[str, Any]) -> tuple[str | None, bool, dict[str, Any]]:
    """(url, allow_duplicate, the options given), checked for shape as a watch file's entry is."""
    try:
        entry = ENTRY.model_validate(body).model_dump(exclude_unset=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(422, f"{where}: {first['msg']}", where) from None
    return entry.pop("url", None), bool(entry.pop("allow_duplicate", False)), entry


def _checked(url: str, options: dict[str, Any], settings: Any) -> dict[str, Any]:
    try:
        return check(url, options, settings)
    except FormErrors as exc:
        field = next(iter(exc.errors))
        raise ApiError(422, "\n".join(exc.errors.values()), field or "body") from None


def _shown(session: Session, watch: Watch, request: Request) -> dict[str, Any]:
    session.refresh(watch)
    return watch_list.rows(session, [watch], ctx_of(request).settings)[0]


@router.get("/watches")
def list_watches(request: Request, status: str | None = None, q: str | None = None,
                 tag: str | None = None, cursor: str | None = None, limit: int = Limit,
                 session: Session = Depends(db)) -> dict[str, Any]:
    """`watch list --json`, a page at a time; filtered by status (active, paused, failing), tag
    and text (in the name or URL)."""
    return watch_list.list_page(session, ctx_of(request).settings, status=status, text=q, tag=tag,
                                cursor=cursor, limit=limit).to_dict()


@router.post("/watches", status_code=201)
def create_watch(request: Request, body: dict[str, Any] = Body_) -> dict[str, Any]:
    """`watch add`: the body takes the options of a watch file's entry (`url` required)."""
    ctx = ctx_of(request)
    url, duplicate, options = _options(body)
    if not url:
        raise ApiError(422, "url: give the page to watch", "url")
    fields = _checked(url, options, ctx.settings)
    try:
        watch = add_watch(ctx.engine, WatchSpec(url, **options), ctx.settings,
                          allow_duplicate=duplicate, fields=fields)
    except InputError as exc:  # a taken name, a page already watched
        raise ApiError(409, str(exc), field_of(exc, "url")) from None
    with Session(ctx.engine) as session:
        return _shown(session, session.get_one(Watch, watch.id), request)


@router.get("/watches/{ref}")
def get_watch(ref: str, request: Request, session: Session = Depends(db)) -> dict[str, Any]:
    """`watch show --json`."""
    return watch_list.rows(session, [watch_or_404(session, ref)], ctx_of(request).settings)[0]


@router.patch("/watches/{ref}")
def patch_watch(ref: str, request: Request, body: dict[str, Any] = Body_) -> dict[str, Any]:
    """`watch edit`: the options given change (null: back to the default); the others stay."""
    ctx = ctx_of(request)
    url, duplicate, given = _options(body)
    with Session(ctx.engine) as session:
        watch = watch_or_404(session, ref)
        current = options_of(watch)
        if given.keys() & {"every", "cron"}:
            current["every"] = current["cron"] = None
        _checked(url or watch.url, {**current, **given}, ctx.settings)
        try:
            edit_watch(session, watch, given, ctx.settings, url=url, allow_duplicate=duplicate)
        except InputError as exc:
            raise ApiError(409, str(exc), field_of(exc, "url")) from None
        session.commit()
        return _shown(session, watch, request)


@router.delete("/watches/{ref}")
def delete_watch(ref: str, request: Request) -> dict[str, Any]:
    return actions.remove(ctx_of(request), ref)


@router.post("/watches/{ref}/pause")
def pause(ref: str, request: Request) -> dict[str, Any]:
    return actions.set_paused(ctx_of(request), ref, True)


@router.post("/watches/{ref}/resume")
def resume(ref: str, request: Request) -> dict[str, Any]:
    return actions.set_paused(ctx_of(request), ref, False)


@router.post("/watches/{ref}/rebase")
def rebase(ref: str, request: Request) -> dict[str, Any]:
    with Session(ctx_of(request).engine) as session:
        watch_id = watch_or_404(session, ref).id
    try:
        watch, base = rebase_watch(ctx_of(request).engine, str(watch_id))
    except InputError as exc:
        raise ApiError(409, str(exc), "watch") from None
    with Session(ctx_of(request).engine) as session:
        return {"watch": _shown(session, session.get_one(Watch, watch.id), request),
                "base_check_id": base.id}


@router.post("/watches/{ref}/check")
async def check_now(ref: str, request: Request) -> JSONResponse:
    """Run one check now, as `scraper check ID --json` (a failed check is a stored result too)."""
    ctx = ctx_of(request)
    result = await run_in_threadpool(actions.check, ctx, ref)
    assert result.check.id is not None
    with Session(ctx.engine) as session:
        reports = [rows.row_dict(r) for r in rows.of_check(session, result.check.id)]
    return JSONResponse({**result.to_dict(), "reports": reports})


@router.get("/watches/{ref}/checks", response_model=Paged[CheckRow])
def checks(request: Request, ref: str, cursor: str | None = None, limit: int = Limit) -> Paged[CheckRow]:
    return history(ctx_of(request).engine, ref, limit=limit, cursor=cursor).page()


@router.get("/watches/{ref}/changes", response_model=Changes)
def watch_changes(request: Request, ref: str, cursor: str | None = None, limit: int = Limit) -> Changes:
    return changes(ctx_of(request).engine, ref, limit=limit, cursor=cursor)


@router.get("/watches/{ref}/diff", response_model=Diff)
def watch_diff(request: Request, ref: str, to: int | None = None,
               from_: int | None = Query(None, alias="from")) -> Diff:
    return diff(ctx_of(request).engine, ref, from_, to)
