"""REST API: watches (CRUD, pause, resume, rebase, check now), their checks, changes and diffs.

The JSON is what the CLI's `--json` prints; lists are `{"items", "next_cursor"}` (pass
`cursor=next_cursor` for the next page; null: no more)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from scraper.errors import InputError
from scraper.reports import outbox as rows
from scraper.service import watch_list
from scraper.service.checks import changes, diff, diff_dict, history
from scraper.watches import WatchSpec, add_watch, edit_watch, rebase_watch, watch_dict
from scraper.web import actions
from scraper.web.common import ctx_of, db, watch_or_404
from scraper.web.errors import ApiError
from scraper.web.security import require_token
from scraper.web.watch_form import FormErrors, check_spec

router = APIRouter(dependencies=[Depends(require_token)], tags=["watches"])
Limit = Query(50, ge=1, le=watch_list.MAX_LIMIT)


class WatchPatch(BaseModel):
    """Any of a watch's options (those of `scraper watch add`); in a PATCH, the others stay."""

    model_config = ConfigDict(extra="forbid")
    url: str | None = None
    name: str | None = None
    profile: str | None = None
    every: str | None = None
    cron: str | None = None
    email: str | None = None
    digest: str | None = None
    notify: list[str] | None = None
    notify_on: list[str] | None = None
    ignore: list[str] | None = None
    normalise: list[str] | None = Field(None, description="REGEX or REGEX=>REPLACEMENT")
    confirm: int | None = None
    evidence_on_change: bool | None = None


class WatchIn(WatchPatch):
    """A new watch: its URL, and any other option (unset: as `scraper watch add` defaults it)."""

    url: str


def _spec(data: dict[str, Any], request: Request) -> WatchSpec:
    given = {key: value for key, value in data.items() if value is not None}  # None: the default
    pairs = [tuple(r.split("=>", 1)) if "=>" in r else (r, "") for r in given.pop("normalise", [])]
    spec = WatchSpec(**given, normalise=pairs)
    try:
        return check_spec(spec, ctx_of(request).settings)
    except FormErrors as exc:
        field, message = next(iter(exc.errors.items()))
        raise ApiError(422, message, field or "body") from None


def _current(watch: Any) -> dict[str, Any]:
    """A stored watch as WatchIn's fields (the base a PATCH is applied to)."""
    return {"url": watch.url, "name": watch.name, "profile": watch.profile,
            "every": watch.schedule if watch.schedule_kind == "interval" else None,
            "cron": watch.schedule if watch.schedule_kind == "cron" else None,
            "email": watch.email, "digest": watch.digest, "notify": list(watch.notify),
            "notify_on": watch.notify_on, "ignore": list(watch.ignore),
            "normalise": [r["regex"] + (f"=>{r['replace']}" if r.get("replace") else "")
                          for r in watch.normalise],
            "confirm": watch.confirm, "evidence_on_change": watch.evidence_on_change}


@router.get("/watches")
def list_watches(status: str | None = None, q: str | None = None, cursor: str | None = None,
                 limit: int = Limit, session: Session = Depends(db)) -> dict[str, Any]:
    return watch_list.list_page(session, status=status, text=q, cursor=cursor, limit=limit).to_dict()


@router.post("/watches", status_code=201)
def create_watch(body: WatchIn, request: Request) -> dict[str, Any]:
    ctx = ctx_of(request)
    try:
        watch = add_watch(ctx.engine, _spec(body.model_dump(), request), ctx.settings)
    except InputError as exc:  # the name is taken
        raise ApiError(409, str(exc), "name") from None
    return watch_dict(watch)


@router.get("/watches/{ref}")
def get_watch(ref: str, session: Session = Depends(db)) -> dict[str, Any]:
    watch = watch_or_404(session, ref)
    assert watch.id is not None
    return {**watch_dict(watch), "summary": watch_list.summaries(session, [watch.id])[watch.id]}


@router.patch("/watches/{ref}")
def patch_watch(ref: str, body: WatchPatch, request: Request) -> dict[str, Any]:
    ctx = ctx_of(request)
    with Session(ctx.engine) as session:
        watch = watch_or_404(session, ref)
        merged = {**_current(watch), **body.model_dump(exclude_unset=True)}
    if "every" in body.model_fields_set and body.every:
        merged["cron"] = None
    if "cron" in body.model_fields_set and body.cron:
        merged["every"] = None
    spec = _spec(merged, request)
    try:
        return watch_dict(edit_watch(ctx.engine, str(watch.id), spec, ctx.settings))
    except InputError as exc:
        raise ApiError(409, str(exc), "name") from None


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
        watch, check = rebase_watch(ctx_of(request).engine, str(watch_id))
    except InputError as exc:
        raise ApiError(409, str(exc), "watch") from None
    return {"watch": watch_dict(watch), "base_check_id": check.id}


@router.post("/watches/{ref}/check")
async def check_now(ref: str, request: Request) -> JSONResponse:
    """Run one check now, as `scraper check ID --json` (a failed check is a stored result too)."""
    ctx = ctx_of(request)
    result = await run_in_threadpool(actions.check, ctx, ref)
    assert result.check.id is not None
    with Session(ctx.engine) as session:
        reports = [rows.row_dict(r) for r in rows.of_check(session, result.check.id)]
    return JSONResponse({**result.to_dict(), "reports": reports})


@router.get("/watches/{ref}/checks")
def checks(ref: str, cursor: str | None = None, limit: int = Limit,
           session: Session = Depends(db)) -> dict[str, Any]:
    return history(session, watch_or_404(session, ref), limit=limit, cursor=cursor).to_dict()


@router.get("/watches/{ref}/changes")
def watch_changes(ref: str, cursor: str | None = None, limit: int = Limit,
                  session: Session = Depends(db)) -> dict[str, Any]:
    return changes(session, watch_or_404(session, ref), limit=limit, cursor=cursor).to_dict()


@router.get("/watches/{ref}/diff")
def watch_diff(ref: str, to: int | None = None, from_: int | None = Query(None, alias="from"),
               session: Session = Depends(db)) -> dict[str, Any]:
    watch = watch_or_404(session, ref)
    try:
        old, new, found = diff(session, watch, from_, to)
    except InputError as exc:
        raise ApiError(404 if "no check" in str(exc) or "has no" in str(exc) else 422, str(exc),
                       "from" if from_ is not None and str(from_) in str(exc) else "to") from None
    return diff_dict(watch, old, new, found)


