"""Extensions of /v1 for returns and store reports (docs/SYNC_SERVER.md, "Returns")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from shared.protocol import SalesResponse
from sync_server.api.deps import ServicesDep, TerminalDep
from sync_server.services.sales_lookup import SaleLookup

router = APIRouter(prefix="/v1")


@router.get("/sales", response_model=SalesResponse)
async def find_sales(
    sale_ref: Annotated[str, Query(min_length=1, max_length=200)],
    terminal: TerminalDep,
    svc: ServicesDep,
) -> SalesResponse:
    """The sales with this receipt number at any store (a till returns one of them)."""
    found = await run_in_threadpool(SaleLookup(svc.database).find, sale_ref.strip())
    return SalesResponse(sales=found)
