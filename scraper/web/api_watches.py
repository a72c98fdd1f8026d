"""REST API: watches (CRUD, pause, resume, rebase, check now), their checks, changes and diffs.

The JSON is what the CLI's `--json` prints; lists are `{"items", "next_cursor"}` (pass
`cursor=next_cursor` for the next page; null: no more)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from scraper.service import paging, requests, watches
from scraper.service.checks import Changes, CheckRow, Diff, changes, diff, history
from scraper.service.paging import Paged
from scraper.service.proof import Proof, prove
from scraper.watches.options import entry_model
from scraper.web.common import ctx_of
from scraper.web.errors import ApiError
from scraper.web.security import require_token

router = APIRouter(dependencies=[Depends(require_token)], tags=["watches"])
Limit = Query(50, ge=1, le=paging.MAX_LIMIT)


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


@router.get("/watches", response_model=watches.WatchPage)
def list_watches(request: Request, status: str | None = None, q: str | None = None,
                 tag: str | None = None, cursor: str | None = None,
                 limit: int = Limit) -> watches.WatchPage:
    """`watch list --json`, a page at a time; filtered by status (active, paused, failing), tag
    and text (in the name or URL)."""
    ctx = ctx_of(request)
    return watches.list_page(ctx.engine, ctx.settings, status=status, text=q, tag=tag,
                             cursor=cursor, limit=limit)


@router.post("/watches", status_code=201, response_model=watches.WatchSummary)
def create_watch(request: Request, body: dict[str, Any] = Body_) -> watches.WatchSummary:
    """`watch add`: the body takes the options of a watch file's entry (`url` required)."""
    ctx = ctx_of(request)
    url, duplicate, options = _options(body)
    if not url:
        raise ApiError(422, "url: give the page to watch", "url")
    return watches.add(ctx.engine, ctx.settings, url, options, allow_duplicate=duplicate)


@router.get("/watches/{ref}", response_model=watches.WatchSummary)
def get_watch(ref: str, request: Request) -> watches.WatchSummary:
    """`watch show --json`."""
    return watches.show(ctx_of(request).engine, ctx_of(request).settings, ref)


@router.patch("/watches/{ref}", response_model=watches.WatchSummary)
def patch_watch(ref: str, request: Request, body: dict[str, Any] = Body_) -> watches.WatchSummary:
    """`watch edit`: the options given change (null: back to the default); the others stay."""
    ctx = ctx_of(request)
    url, duplicate, given = _options(body)
    return watches.edit(ctx.engine, ctx.settings, ref, given, url=url, allow_duplicate=duplicate).watch


@router.delete("/watches/{ref}", response_model=watches.Removed)
def delete_watch(ref: str, request: Request) -> watches.Removed:
    """`watch remove --yes --json`: the watch removed, with how many checks and changes."""
    return watches.remove(ctx_of(request).engine, ref)


@router.post("/watches/{ref}/pause", response_model=watches.WatchSummary)
def pause(ref: str, request: Request) -> watches.WatchSummary:
    return watches.pause(ctx_of(request).engine, ctx_of(request).settings, ref)


@router.post("/watches/{ref}/resume", response_model=watches.WatchSummary)
def resume(ref: str, request: Request) -> watches.WatchSummary:
    return watches.resume(ctx_of(request).engine, ctx_of(request).settings, ref)


@router.post("/watches/{ref}/rebase", response_model=watches.Rebased)
def rebase(ref: str, request: Request) -> watches.Rebased:
    """`watch rebase --json`; 409 if the watch has no check with a record yet."""
    return watches.rebase(ctx_of(request).engine, ctx_of(request).settings, ref)


@router.post("/watches/{ref}/check", response_model=watches.CheckRun, responses={
    202: {"model": requests.CheckRequested,
          "description": "distributed mode: the check is queued for the scheduler; follow Location"}})
async def check_now(ref: str, request: Request) -> watches.CheckRun | JSONResponse:
    """Run one check now, as `scraper check ID --json` (a failed check is a stored result too).

    In distributed mode (SCRAPER_EXECUTOR=dramatiq) the check is asked of the scheduler, which
    admits it within its limits: 202 Accepted with the request, and its URL in `Location`
    (GET it until `state` is done or skipped). A request already queued for the watch is
    returned again rather than doubled."""
    ctx = ctx_of(request)
    if requests.through_scheduler(ctx.settings):
        asked = await run_in_threadpool(requests.request_check, ctx.engine, ref)
        where = request.url_for("check_request", request_id=asked.id).path
        return JSONResponse(asked.dumped(), status_code=202,
                            headers={"Location": where, "Retry-After": "1"})
    watch = await run_in_threadpool(watches.get, ctx.engine, ref)
    return await run_in_threadpool(
        lambda: watches.check_now(ctx.engine, ctx.settings, watch.id, ctx.browser()))


@router.get("/check-requests/{request_id}", response_model=requests.CheckRequested)
def check_request(request_id: int, request: Request) -> requests.CheckRequested:
    """A check now asked of the scheduler (distributed mode): queued, running, then done with
    its check (or skipped, with the reason no check was written)."""
    return requests.show(ctx_of(request).engine, request_id)


@router.get("/watches/{ref}/checks", response_model=Paged[CheckRow])
def checks(request: Request, ref: str, cursor: str | None = None, limit: int = Limit) -> Paged[CheckRow]:
    return history(ctx_of(request).engine, ref, limit=limit, cursor=cursor).page()


@router.get("/watches/{ref}/changes", response_model=Changes)
def watch_changes(request: Request, ref: str, cursor: str | None = None, limit: int = Limit) -> Changes:
    return changes(ctx_of(request).engine, ref, limit=limit, cursor=cursor)


@router.get("/watches/{ref}/proof/{comment}", response_model=Proof)
def watch_proof(request: Request, ref: str, comment: str) -> Proof:
    """The bundles that show a comment first seen, its text changed and gone, verified now."""
    ctx = ctx_of(request)
    return prove(ctx.engine, ctx.settings, ref, comment)


@router.get("/watches/{ref}/diff", response_model=Diff)
def watch_diff(request: Request, ref: str, to: int | None = None,
               from_: int | None = Query(None, alias="from")) -> Diff:
    return diff(ctx_of(request).engine, ref, from_, to)
