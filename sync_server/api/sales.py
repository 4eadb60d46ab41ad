"""Extensions of /v1 for returns and store reports (docs/SYNC_SERVER.md, "Returns")."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from shared.protocol import SalesResponse, StoreReport
from sync_server.api.deps import ServicesDep, TerminalDep
from sync_server.services.sales_lookup import SaleLookup
from sync_server.services.store_report import StoreReportService

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


@router.get("/store-report", response_model=StoreReport)
async def store_report(
    date_from: date,
    date_to: date,
    terminal: TerminalDep,
    svc: ServicesDep,
) -> StoreReport:
    """The figures of the asking till's store across all its tills, per business date
    and for the range (at most 92 days)."""
    service = StoreReportService(svc.database)
    return await run_in_threadpool(service.report, terminal.store_code, date_from, date_to)
