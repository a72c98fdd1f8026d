"""The profile builder (`/profiles/new`): a page rendered once, shown as a picture; a person points
at the article and one comment, corrects any field by pointing or typing, and saves a profile.

The picture is an `<input type="image">`: a click submits the form with where it landed, so the
builder works with no script at all (and the page's CSP stays as strict as everywhere else).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.datastructures import FormData

from scraper.base.errors import InputError
from scraper.service import builder
from scraper.web.common import ctx_of, go_to, page
from scraper.web.security import check_csrf, require_admin

router = APIRouter(dependencies=[Depends(check_csrf), Depends(require_admin)])

LABELS = {
    "article.title": "Article title", "article.author": "Article author",
    "article.published": "Article date", "article.text": "Article body",
    "comments.item": "One comment (the whole of it)", "comments.id": "Comment id",
    "comments.author": "Comment author", "comments.published": "Comment date",
    "comments.text": "Comment text",
}
STEPS = {"article.text": "Click anywhere in the article's body (one of its paragraphs).",
         "comments.item": "Now click one comment (its text is fine: the builder finds the whole of it)."}


@router.get("/profiles/new", response_class=HTMLResponse)
def start(request: Request, url: str = "") -> HTMLResponse:
    return page(request, "builder_start.html", url=url, error=None)


@router.post("/profiles/new", response_model=None)
async def open_page(request: Request, url: str = Form("")) -> Response:
    ctx = ctx_of(request)
    try:
        token = await run_in_threadpool(builder.open_page, ctx.browser(), ctx.settings, url)
    except InputError as exc:
        return page(request, "builder_start.html", url=url, error=str(exc), status=422)
    return go_to(request, f"/profiles/new/{token}")


@router.get("/profiles/new/{token}/picture")
def picture(request: Request, token: str) -> FileResponse:
    return FileResponse(builder.picture(ctx_of(request).settings, token), media_type="image/png",
                        headers={"Cache-Control": "private, max-age=3600"})


def _show(request: Request, proposal: builder.Proposal, field: str | None, *,
          saved: builder.Saved | None = None, error: str | None = None, status: int = 200) -> HTMLResponse:
    return page(request, "builder.html", p=proposal, labels=LABELS, field=field or proposal.next_step
                or "comments.author", step=STEPS.get(proposal.next_step or ""), saved=saved, error=error,
                status=status)


@router.get("/profiles/new/{token}", response_class=HTMLResponse)
async def draft(request: Request, token: str) -> HTMLResponse:
    ctx = ctx_of(request)
    proposal = await run_in_threadpool(builder.propose, ctx.settings, token, {})
    return _show(request, proposal, None)


def _picks(form: FormData) -> tuple[dict[str, str], str | None]:
    """The picks the form carries (`pick.FIELD`), with what was typed over them (`typed.FIELD`)."""
    picks: dict[str, str] = {}
    for key in builder.FIELDS:
        typed, pointed = str(form.get(f"typed.{key}", "")).strip(), str(form.get(f"pick.{key}", ""))
        if typed:
            picks[key] = typed
        elif pointed:
            picks[key] = pointed
    field = str(form.get("field", "")) or None
    return picks, field if field in builder.FIELDS else None


def _point(ctx: Any, token: str, form: FormData, picks: dict[str, str], field: str | None) -> None:
    """A click on the picture: the element under it becomes the chosen field's pick."""
    try:
        x, y = float(str(form.get("at.x", ""))), float(str(form.get("at.y", "")))
    except ValueError:
        return
    if field is not None and (number := builder.element_at(ctx.settings, token, x, y)) is not None:
        picks[field] = f"@{number}"


@router.post("/profiles/new/{token}", response_class=HTMLResponse)
async def update(request: Request, token: str) -> HTMLResponse:
    ctx = ctx_of(request)
    form = await request.form()
    picks, field = _picks(form)
    _point(ctx, token, form, picks, field)
    name = str(form.get("name", "")).strip() or None
    if form.get("action") == "save":
        try:
            saved = await run_in_threadpool(builder.save, ctx.settings, token, picks, name or "")
        except InputError as exc:
            proposal = await run_in_threadpool(builder.propose, ctx.settings, token, picks, None)
            return _show(request, proposal, field, error=str(exc), status=422)
        proposal = await run_in_threadpool(builder.propose, ctx.settings, token, picks, name)
        return _show(request, proposal, field, saved=saved)
    try:
        proposal = await run_in_threadpool(builder.propose, ctx.settings, token, picks, name)
    except InputError as exc:
        picks = {k: v for k, v in picks.items() if v.startswith("@")}  # drop what was mistyped
        proposal = await run_in_threadpool(builder.propose, ctx.settings, token, picks, None)
        return _show(request, proposal, field, error=str(exc), status=422)
    following = proposal.next_step if field in builder.FIRST_STEPS and proposal.next_step else field
    return _show(request, proposal, following)

