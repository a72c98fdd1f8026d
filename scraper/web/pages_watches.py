"""Pages: the watch list, a watch (record, changes, history, diff), the add/edit form, actions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from scraper.base.errors import InputError
from scraper.service import checks, watch_list
from scraper.store import summary
from scraper.watches.operations import WatchSpec, add_watch, edit_watch, rebase_watch
from scraper.watches.validate import options_of
from scraper.web import actions
from scraper.web.common import ctx_of, db, page, see_other, watch_or_404
from scraper.web.context import AppContext
from scraper.web.security import check_csrf, require_admin
from scraper.web.views import summary_status, thread
from scraper.web.watch_form import (
    FIELDS,
    KINDS,
    SECRET,
    FormErrors,
    check,
    field_of,
    options_from,
    submitted,
    values_of,
)

router = APIRouter(dependencies=[Depends(require_admin), Depends(check_csrf)])


@router.get("/", response_class=HTMLResponse)
def watches(request: Request, q: str | None = None, status: str | None = None, tag: str | None = None,
            after: str | None = None, session: Session = Depends(db)) -> HTMLResponse:
    listed = watch_list.list_page(session, ctx_of(request).settings, status=status or None,
                                  text=q or None, tag=tag or None, cursor=after, limit=50)
    for item in listed.items:
        item["state"] = summary_status(item)
    return page(request, "watches.html", page_=listed, q=q or "", status_filter=status or "",
                tag=tag or "", statuses=watch_list.STATUSES)


def _form(request: Request, values: dict[str, Any], errors: dict[str, str], watch: Any = None,
          status: int = 200) -> HTMLResponse:
    return page(request, "watch_form.html", fields=FIELDS, kinds=KINDS, values=values, errors=errors,
                watch=watch, secret=SECRET, status=status)


@router.get("/watches/new", response_class=HTMLResponse)
def new_watch(request: Request, url: str = "") -> HTMLResponse:
    return _form(request, {"url": url, "confirm": 1}, {})


def _save(ctx: AppContext, values: dict[str, Any], ref: str | None) -> int:
    """Add the watch, or edit watch `ref`, from the form's values: its id; FormErrors by field."""
    url, duplicate = values["url"], values["allow_duplicate"]
    try:
        if ref is None:
            options = options_from(values, keep_secrets=False)
            fields = check(url, options, ctx.settings)
            watch = add_watch(ctx.engine, WatchSpec(url, **options), ctx.settings,
                              allow_duplicate=duplicate, fields=fields)
            assert watch.id is not None
            return watch.id
        with Session(ctx.engine) as session:
            current = watch_or_404(session, ref)
            given = options_from(values, keep_secrets=True)
            check(url, {**options_of(current), **given}, ctx.settings)
            edit_watch(session, current, given, ctx.settings, url=url, allow_duplicate=duplicate)
            session.commit()
            assert current.id is not None
            return current.id
    except InputError as exc:  # a taken name, a page already watched
        raise FormErrors({field_of(exc, "url"): str(exc)}) from None


@router.post("/watches", response_model=None)
async def create(request: Request) -> HTMLResponse | RedirectResponse:
    values = submitted(await request.form())
    try:
        watch_id = await run_in_threadpool(_save, ctx_of(request), values, None)
    except FormErrors as exc:
        return _form(request, values, exc.errors, status=422)
    return see_other(f"/watches/{watch_id}")


@router.get("/watches/{ref}/edit", response_class=HTMLResponse)
def edit_form(request: Request, ref: str, session: Session = Depends(db)) -> HTMLResponse:
    watch = watch_or_404(session, ref)
    return _form(request, values_of(watch), {}, watch=watch)


@router.post("/watches/{ref}/edit", response_model=None)
async def edit(request: Request, ref: str) -> HTMLResponse | RedirectResponse:
    values = submitted(await request.form())
    with Session(ctx_of(request).engine) as session:
        watch = watch_or_404(session, ref)
    try:
        watch_id = await run_in_threadpool(_save, ctx_of(request), values, str(watch.id))
    except FormErrors as exc:
        return _form(request, values, exc.errors, watch=watch, status=422)
    return see_other(f"/watches/{watch_id}")


@router.get("/watches/{ref}", response_class=HTMLResponse)
def watch_page(request: Request, ref: str, after: str | None = None,
               session: Session = Depends(db)) -> HTMLResponse:
    watch = watch_or_404(session, ref)
    assert watch.id is not None
    data = watch_list.rows(session, [watch], ctx_of(request).settings)[0]
    data["state"] = summary_status(data)
    engine = ctx_of(request).engine
    current = checks.current(engine, watch.id)
    recent = checks.changes(engine, watch.id, limit=30)
    return page(request, "watch.html", watch=data, current=current,
                thread=thread(current.record) if current else [],
                history=checks.history(engine, watch.id, limit=25, cursor=after).page(),
                # Newest check first; within a check, the order the CLI prints (as stored).
                changes=[(item, item.found()) for item in
                         sorted(recent.items, key=lambda item: (-item.check_id, item.id))])


@router.get("/watches/{ref}/checks/{check_id}", response_class=HTMLResponse)
def check_page(request: Request, ref: str, check_id: int) -> HTMLResponse:
    detail = checks.check_detail(ctx_of(request).engine, ref, check_id)
    return page(request, "check.html", watch=detail.watch, check=detail.check, started=detail.started,
                changes=detail.found)


@router.get("/watches/{ref}/diff", response_class=HTMLResponse)
def diff_page(request: Request, ref: str, from_: int | None = None, to: int | None = None) -> HTMLResponse:
    # `from` is a keyword in Python: read it from the query by hand.
    raw = request.query_params.get("from")
    from_check = int(raw) if raw and raw.isdigit() else from_
    found = checks.diff(ctx_of(request).engine, ref, from_check, to)
    return page(request, "diff.html", watch=found.watch, old_id=found.from_, new_id=found.to,
                old_at=found.from_at, new_at=found.to_at, changes=found.changes)


@router.post("/watches/{ref}/check", response_model=None)
async def check_now(request: Request, ref: str) -> RedirectResponse:
    watch_id, check_id = await run_in_threadpool(actions.check_now, ctx_of(request), ref)
    return see_other(f"/watches/{watch_id}#check-{check_id}")


@router.post("/watches/{ref}/pause")
def pause(request: Request, ref: str) -> RedirectResponse:
    return see_other(f"/watches/{actions.set_paused(ctx_of(request), ref, True)['id']}")


@router.post("/watches/{ref}/resume")
def resume(request: Request, ref: str) -> RedirectResponse:
    return see_other(f"/watches/{actions.set_paused(ctx_of(request), ref, False)['id']}")


@router.post("/watches/{ref}/rebase")
def rebase(request: Request, ref: str) -> RedirectResponse:
    with Session(ctx_of(request).engine) as session:
        watch_id = watch_or_404(session, ref).id
    watch, _ = rebase_watch(ctx_of(request).engine, str(watch_id))
    return see_other(f"/watches/{watch.id}")


@router.get("/watches/{ref}/remove", response_class=HTMLResponse)
def confirm_remove(request: Request, ref: str, session: Session = Depends(db)) -> HTMLResponse:
    watch = watch_or_404(session, ref)
    assert watch.id is not None
    checks, changes_count = summary.history_size(session, watch.id)
    return page(request, "remove.html", watch=watch, checks=checks, changes=changes_count)


@router.post("/watches/{ref}/remove")
def remove(request: Request, ref: str) -> RedirectResponse:
    actions.remove(ctx_of(request), ref)
    return see_other("/")
