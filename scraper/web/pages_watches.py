"""Pages: the watch list, a watch (record, changes, history, diff), the add/edit form, actions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scraper.base.errors import DomainError
from scraper.service import checks, requests, summary, watches
from scraper.service.paging import Paged
from scraper.service.proof import prove
from scraper.web.common import ctx_of, go_to, page, see_other
from scraper.web.context import AppContext
from scraper.web.security import check_csrf, read_form, require_admin
from scraper.web.views import summary_status, thread
from scraper.web.watch_form import (
    FIELDS,
    KINDS,
    SECRET,
    FormErrors,
    errors_of,
    grouped,
    options_from,
    submitted,
    values_of,
)

router = APIRouter(dependencies=[Depends(require_admin), Depends(check_csrf)])


def _shown(watch: watches.WatchSummary) -> dict[str, Any]:
    """A watch summary as the templates read it, with its one-word state."""
    data: dict[str, Any] = watch.dumped()
    data["state"] = summary_status(data)
    return data


@router.get("/", response_class=HTMLResponse)
def watches_page(request: Request, q: str | None = None, status: str | None = None,
                 tag: str | None = None, after: str | None = None) -> HTMLResponse:
    ctx = ctx_of(request)
    listed = watches.list_page(ctx.engine, ctx.settings, status=status or None, text=q or None,
                               tag=tag or None, cursor=after, limit=50)
    return page(request, "watches.html",
                page_=Paged(items=[_shown(w) for w in listed.items], next_cursor=listed.next_cursor),
                q=q or "", status_filter=status or "", tag=tag or "", statuses=summary.STATUSES)


def _form(request: Request, values: dict[str, Any], errors: dict[str, str], watch: Any = None,
          status: int = 200) -> HTMLResponse:
    from scraper.service.profiles import profiles

    try:
        names = [p.name for p in profiles(ctx_of(request).settings)]
    except Exception:  # a broken profile file: `profile list` says which; the form still works
        names = []
    return page(request, "watch_form.html", fields=FIELDS, groups=grouped(), kinds=KINDS,
                values=values, errors=errors, watch=watch, secret=SECRET, status=status,
                profiles=names)


@router.get("/watches/new", response_class=HTMLResponse)
def new_watch(request: Request, url: str = "", profile: str = "") -> HTMLResponse:
    # `profile`: from the profile builder's "watch this page with it".
    return _form(request, {"url": url, "profile": profile, "confirm": 1}, {})


def _save(ctx: AppContext, values: dict[str, Any], ref: str | None) -> int:
    """Add the watch, or edit watch `ref`, from the form's values: its id; FormErrors by field."""
    url, duplicate = values["url"], values["allow_duplicate"]
    try:
        if ref is None:
            options = options_from(values, keep_secrets=False)
            return watches.add(ctx.engine, ctx.settings, url, options, allow_duplicate=duplicate).id
        given = options_from(values, keep_secrets=True)
        return watches.edit(ctx.engine, ctx.settings, ref, given, url=url,
                            allow_duplicate=duplicate).watch.id
    except DomainError as exc:  # a bad value, a taken name, a page already watched: on its field
        raise FormErrors(errors_of(exc)) from None


def _shown_back(values: dict[str, Any]) -> dict[str, Any]:
    """The values to show again in the form: one refused for its size is not sent back whole."""
    return {k: "" if isinstance(v, str) and len(v) > MAX_SHOWN_BACK else v for k, v in values.items()}


MAX_SHOWN_BACK = 10_000


@router.post("/watches", response_model=None)
async def create(request: Request) -> HTMLResponse | RedirectResponse:
    values = submitted(await read_form(request))
    try:
        watch_id = await run_in_threadpool(_save, ctx_of(request), values, None)
    except FormErrors as exc:
        return _form(request, _shown_back(values), exc.errors, status=422)
    return see_other(f"/watches/{watch_id}")


@router.get("/watches/{ref}/edit", response_class=HTMLResponse)
def edit_form(request: Request, ref: str) -> HTMLResponse:
    current = watches.options(ctx_of(request).engine, ref)
    return _form(request, values_of(current.watch.url, current.options), {}, watch=current.watch)


@router.post("/watches/{ref}/edit", response_model=None)
async def edit(request: Request, ref: str) -> HTMLResponse | RedirectResponse:
    values = submitted(await read_form(request))
    watch = watches.get(ctx_of(request).engine, ref)
    try:
        watch_id = await run_in_threadpool(_save, ctx_of(request), values, str(watch.id))
    except FormErrors as exc:
        return _form(request, _shown_back(values), exc.errors, watch=watch, status=422)
    return see_other(f"/watches/{watch_id}")


@router.get("/watches/{ref}", response_class=HTMLResponse)
def watch_page(request: Request, ref: str, after: str | None = None,
               request_id: int | None = Query(None, alias="request")) -> HTMLResponse:
    ctx = ctx_of(request)
    engine = ctx.engine
    # Each read is a transaction of its own, and a check may commit between them: the history is
    # read first, then the changes, the record and the summary, so that a check shows in all of them
    # or only in the later ones, never listed without its record.
    history = checks.history(engine, ref, limit=25, cursor=after).page()
    recent = checks.changes(engine, ref, limit=30)
    current = checks.current(engine, ref)
    data = _shown(watches.show(engine, ctx.settings, ref))
    watch_id = int(data["id"])
    # The check now just asked for (its result stays shown), else one still on its way.
    asked = (requests.show(engine, request_id, str(watch_id)) if request_id is not None
             else requests.latest_open(engine, watch_id))
    return page(request, "watch.html", watch=data, current=current, asked=asked,
                thread=thread(current.record) if current else [], history=history,
                # Newest check first; within a check, the order the CLI prints (as stored).
                changes=[(item, item.found()) for item in
                         sorted(recent.items, key=lambda item: (-item.check_id, item.id))])


@router.get("/watches/{ref}/requests/{request_id}", response_class=HTMLResponse)
def request_part(request: Request, ref: str, request_id: int) -> HTMLResponse:
    """A check now asked of the scheduler, as the watch page shows it: asked again by htmx
    every second while it is queued or running."""
    asked = requests.show(ctx_of(request).engine, request_id, ref)
    return HTMLResponse(ctx_of(request).render("_check_request.html", asked=asked))


@router.get("/watches/{ref}/checks/{check_id}", response_class=HTMLResponse)
def check_page(request: Request, ref: str, check_id: int) -> HTMLResponse:
    detail = checks.check_detail(ctx_of(request).engine, ref, check_id)
    return page(request, "check.html", watch=detail.watch, check=detail.check, started=detail.started,
                changes=list(zip(detail.found, detail.pictures, strict=True)),
                proof_base=f"/watches/{detail.watch.id}")


@router.get("/watches/{ref}/proof/{comment}", response_class=HTMLResponse)
def proof_page(request: Request, ref: str, comment: str) -> HTMLResponse:
    ctx = ctx_of(request)
    return page(request, "proof.html", proof=prove(ctx.engine, ctx.settings, ref, comment))


@router.get("/watches/{ref}/diff", response_class=HTMLResponse)
def diff_page(request: Request, ref: str, from_: int | None = None, to: int | None = None) -> HTMLResponse:
    # `from` is a keyword in Python: read it from the query by hand.
    raw = request.query_params.get("from")
    from_check = int(raw) if raw and raw.isdigit() else from_
    found = checks.diff(ctx_of(request).engine, ref, from_check, to)
    return page(request, "diff.html", watch=found.watch, old_id=found.from_, new_id=found.to,
                old_at=found.from_at, new_at=found.to_at, changes=found.changes)


@router.post("/watches/{ref}/check", response_model=None)
async def check_now(request: Request, ref: str) -> Response:
    ctx = ctx_of(request)
    if requests.through_scheduler(ctx.settings):  # the checks run on workers: ask the scheduler
        asked = await run_in_threadpool(requests.request_check, ctx.engine, ref)
        return go_to(request, f"/watches/{asked.watch.id}?request={asked.id}#check-request")
    watch = watches.get(ctx.engine, ref)
    run = await run_in_threadpool(
        lambda: watches.check_now(ctx.engine, ctx.settings, watch.id, ctx.browser()))
    return go_to(request, f"/watches/{run.watch.id}#check-{run.check.id}")


@router.post("/watches/{ref}/pause")
def pause(request: Request, ref: str) -> RedirectResponse:
    return see_other(f"/watches/{watches.pause(ctx_of(request).engine, ctx_of(request).settings, ref).id}")


@router.post("/watches/{ref}/resume")
def resume(request: Request, ref: str) -> RedirectResponse:
    return see_other(f"/watches/{watches.resume(ctx_of(request).engine, ctx_of(request).settings, ref).id}")


@router.post("/watches/{ref}/rebase")
def rebase(request: Request, ref: str) -> RedirectResponse:
    done = watches.rebase(ctx_of(request).engine, ctx_of(request).settings, ref)
    return see_other(f"/watches/{done.watch.id}")


@router.get("/watches/{ref}/remove", response_class=HTMLResponse)
def confirm_remove(request: Request, ref: str) -> HTMLResponse:
    what = watches.removal(ctx_of(request).engine, ref)
    return page(request, "remove.html", watch={"id": what.removed, "name": what.name},
                checks=what.checks, changes=what.changes)


@router.post("/watches/{ref}/remove")
def remove(request: Request, ref: str) -> RedirectResponse:
    watches.remove(ctx_of(request).engine, ref)
    return see_other("/")
