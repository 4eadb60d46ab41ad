"""``GET /v1/members/{member_id}/summary`` (PROTOCOL extension): a member's latest
transactions at every till and the points that will expire, for a paired terminal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from shared.protocol import MAX_HISTORY, MemberSummary
from sync_server.api.deps import ServicesDep, TerminalDep
from sync_server.api.routes import PROBLEMS
from sync_server.services.member_summary import MemberSummaryService

router = APIRouter(prefix="/v1", responses={**PROBLEMS, 404: PROBLEMS[400]})


@router.get("/members/{member_id}/summary", response_model=MemberSummary)
async def member_summary(
    member_id: str,
    _terminal: TerminalDep,
    svc: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=MAX_HISTORY)] = 20,
) -> MemberSummary:
    service = MemberSummaryService(svc.database)
    return await run_in_threadpool(service.summary, member_id, limit=limit)
