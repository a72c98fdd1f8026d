"""REST API: all changes, captures (list, download, start one), the outbox (list, retry),
profiles (list, test) and status (`scraper doctor`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from scraper.base.errors import InputError
from scraper.reports.delivery import retry
from scraper.service import catalog, watch_list
from scraper.service.checks import changes
from scraper.web import files
from scraper.web.common import ctx_of, db
from scraper.web.errors import ApiError
from scraper.web.security import require_token

router = APIRouter(dependencies=[Depends(require_token)])
Limit = Query(50, ge=1, le=watch_list.MAX_LIMIT)


class CaptureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str
    profile: str | None = None
    case: str | None = None
    note: str | None = None
    deadline: float | None = Field(None, gt=0, le=600)


class ProfileTestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str
    profile: str | None = None
    deadline: float | None = Field(None, gt=0, le=600)


@router.get("/changes", tags=["changes"])
def all_changes(cursor: str | None = None, limit: int = Limit,
                session: Session = Depends(db)) -> dict[str, Any]:
    return changes(session, None, limit=limit, cursor=cursor).to_dict()


@router.get("/captures", tags=["captures"])
def captures(case: str | None = None, session: Session = Depends(db)) -> dict[str, Any]:
    listed = catalog.captures(session, case)
    for item in listed:
        item["files"] = files.listing(files.capture_row(session, item["id"]))
    return {"items": listed, "next_cursor": None}


@router.get("/captures/{capture_id}/download", tags=["captures"])
def download(capture_id: int, session: Session = Depends(db)) -> FileResponse:
    return files.download(Path(files.capture_row(session, capture_id).wacz))


@router.get("/captures/{capture_id}/files/{name}", tags=["captures"])
def capture_file(capture_id: int, name: str, session: Session = Depends(db)) -> FileResponse:
    return files.download(files.beside(files.capture_row(session, capture_id), name))


@router.get("/captures/{capture_id}/verify", tags=["captures"])
def verify(capture_id: int, session: Session = Depends(db)) -> dict[str, Any]:
    return files.verify_capture(session, capture_id).to_dict()


@router.post("/captures", status_code=201, tags=["captures"])
def start_capture(body: CaptureIn, request: Request) -> dict[str, Any]:
    """`scraper capture URL --evidence`: render, record and sign a bundle (takes seconds)."""
    from scraper.base.urls import check_url
    from scraper.evidence.bundle import capture_evidence
    from scraper.evidence.recording import CaptureOptions

    ctx = ctx_of(request)
    try:
        url = check_url(body.url)
    except InputError as exc:
        raise ApiError(422, str(exc), "url") from None
    bundle = capture_evidence(url, settings=ctx.settings, engine=ctx.engine,
                              options=CaptureOptions(case=body.case, note=body.note),
                              session=ctx.browser(), profile=body.profile, deadline=body.deadline)
    return {"bundle": bundle.to_dict(), "record": bundle.record.to_dict()}


@router.get("/outbox", tags=["outbox"])
def outbox(cursor: str | None = None, limit: int = Limit, session: Session = Depends(db)) -> dict[str, Any]:
    return catalog.outbox_page(session, limit=limit, cursor=cursor).to_dict()


@router.post("/outbox/{row_id}/retry", tags=["outbox"])
async def retry_row(row_id: int, request: Request) -> list[dict[str, Any]]:
    ctx = ctx_of(request)
    outcomes = await run_in_threadpool(retry, ctx.engine, ctx.settings, row_id)
    return [{"id": o.row_id, "to": o.target, "status": o.status, "error": o.error} for o in outcomes]


@router.get("/profiles", tags=["profiles"])
def profiles(request: Request) -> list[dict[str, Any]]:
    return catalog.profiles(ctx_of(request).settings)


@router.post("/profiles/test", tags=["profiles"])
async def profile_test(body: ProfileTestIn, request: Request) -> dict[str, Any]:
    ctx = ctx_of(request)
    rendered = await run_in_threadpool(
        catalog.profile_test, ctx.browser(), ctx.settings, body.url, body.profile, body.deadline)
    return catalog.explain_page(rendered.page, rendered.profile).to_dict()


@router.get("/status", tags=["status"])
async def status(request: Request) -> dict[str, Any]:
    from scraper.doctor import diagnose

    return (await run_in_threadpool(diagnose, ctx_of(request).settings)).to_dict()
