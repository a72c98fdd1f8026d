"""REST API: all changes, captures (list, download, start one), the outbox (list, retry),
profiles (list, test) and status (`scraper doctor`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from scraper.base.errors import InputError
from scraper.service import captures as captures_
from scraper.service import checks, paging
from scraper.service import outbox as outbox_
from scraper.service import profiles as profiles_
from scraper.service.captures import CaptureFiles, Verification
from scraper.service.checks import Changes
from scraper.service.outbox import OutboxRow, Outcome
from scraper.service.paging import Paged
from scraper.service.profiles import ProfileInfo, ProfileTest
from scraper.web import files
from scraper.web.common import ctx_of
from scraper.web.errors import ApiError
from scraper.web.security import require_token

router = APIRouter(dependencies=[Depends(require_token)])
Limit = Query(50, ge=1, le=paging.MAX_LIMIT)


# Every field bounded: a value over its length is a 422 naming the field, never stored.
Url = Annotated[str, Field(max_length=8192)]
Short = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=4096)]


class CaptureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Url
    profile: Note | None = None  # a profile's name, or a path to a profile file
    case: Short | None = None
    note: Note | None = None
    deadline: float | None = Field(None, gt=0, le=600)


class ProfileTestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Url
    profile: Note | None = None
    deadline: float | None = Field(None, gt=0, le=600)


@router.get("/changes", tags=["changes"], response_model=Changes)
def all_changes(request: Request, cursor: str | None = None, limit: int = Limit) -> Changes:
    return checks.changes(ctx_of(request).engine, None, limit=limit, cursor=cursor)


@router.get("/captures", tags=["captures"], response_model=Paged[CaptureFiles])
def captures(request: Request, case: str | None = None) -> Paged[CaptureFiles]:
    return captures_.listing_with_files(ctx_of(request).engine, case)


@router.get("/captures/{capture_id}/download", tags=["captures"])
def download(request: Request, capture_id: int) -> StreamingResponse:
    return files.download(captures_.download_path(ctx_of(request).engine, capture_id))


@router.get("/captures/{capture_id}/files/{name}", tags=["captures"])
def capture_file(request: Request, capture_id: int, name: str) -> StreamingResponse:
    return files.download(captures_.download_path(ctx_of(request).engine, capture_id, name))


@router.get("/captures/{capture_id}/verify", tags=["captures"], response_model=Verification)
def verify(request: Request, capture_id: int) -> Verification:
    return captures_.verify(ctx_of(request).engine, capture_id, ctx_of(request).settings)


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


@router.get("/outbox", tags=["outbox"], response_model=Paged[OutboxRow])
def outbox(request: Request, cursor: str | None = None, limit: int = Limit) -> Paged[OutboxRow]:
    return outbox_.listing(ctx_of(request).engine, limit=limit, cursor=cursor)


@router.post("/outbox/{row_id}/retry", tags=["outbox"], response_model=list[Outcome])
async def retry_row(row_id: int, request: Request) -> list[Outcome]:
    ctx = ctx_of(request)
    return await run_in_threadpool(outbox_.retry, ctx.engine, ctx.settings, row_id)


@router.get("/profiles", tags=["profiles"], response_model=list[ProfileInfo])
def profiles(request: Request) -> list[ProfileInfo]:
    return profiles_.profiles(ctx_of(request).settings)


@router.post("/profiles/test", tags=["profiles"], response_model=ProfileTest)
async def profile_test(body: ProfileTestIn, request: Request) -> ProfileTest:
    ctx = ctx_of(request)
    return await run_in_threadpool(
        profiles_.profile_test, ctx.browser(), body.url, body.profile, body.deadline)


@router.get("/status", tags=["status"])
async def status(request: Request) -> dict[str, Any]:
    from scraper.doctor import diagnose

    return (await run_in_threadpool(diagnose, ctx_of(request).settings)).to_dict()
