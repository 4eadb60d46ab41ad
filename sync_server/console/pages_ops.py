"""Stores and terminals, the reconciliation board with its drill-down, exceptions."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from shared.domain.business_day import parse_day
from shared.errors import NotFound
from sync_server.console.deps import ConsoleRoute, allowed, checked_form, console, field, render
from sync_server.services.accounts import Principal
from sync_server.services.terminals import NewTerminal

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


def _terminals_page(
    request: Request,
    who: Principal,
    *,
    made: NewTerminal | None,
    store: str = "",
    after: str | None = None,
) -> Response:
    """The terminals page (a keyset page), with the pairing code just made (if any)."""
    services = console(request)
    page = services.lists.terminals(who, store, after)
    return render(
        request,
        "terminals.html",
        stores=services.admin.stores(),
        terminals=[r[0] for r in page.rows],
        page=page,
        store=store,
        query=urlencode({"store": store}),
        made=made,
    )


@router.get("/terminals")
def terminals(
    request: Request,
    who: Annotated[Principal, Depends(allowed("view_terminals"))],
    store: Annotated[str, Query(max_length=32)] = "",
    after: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    return _terminals_page(request, who, made=None, store=store, after=after)


@router.post("/terminals/new")
async def new_terminal(
    request: Request, who: Annotated[Principal, Depends(allowed("manage_terminals"))]
) -> Response:
    form = await checked_form(request, who)
    services = console(request)
    made = services.terminals.add(field(form, "store_code"), field(form, "name"))
    services.accounts.audit(who.name, "terminal.add", made.terminal_id, detail=made.name)
    return _terminals_page(request, who, made=made)


@router.post("/terminals/{terminal_id}/pairing-code")
async def renew_pairing_code(
    request: Request,
    terminal_id: str,
    who: Annotated[Principal, Depends(allowed("manage_terminals"))],
) -> Response:
    await checked_form(request, who)
    services = console(request)
    made = services.pairing_codes.renew(terminal_id)
    services.accounts.audit(who.name, "terminal.pairing_code", terminal_id, detail=made.name)
    return _terminals_page(request, who, made=made)


@router.post("/terminals/{terminal_id}/revoke")
async def revoke_terminal(
    request: Request,
    terminal_id: str,
    who: Annotated[Principal, Depends(allowed("manage_terminals"))],
) -> Response:
    await checked_form(request, who)
    services = console(request)
    services.terminals.revoke(terminal_id)
    services.accounts.audit(who.name, "terminal.revoke", terminal_id)
    return RedirectResponse("/console/terminals", status_code=303)


@router.get("/board")
def board(
    request: Request,
    who: Annotated[Principal, Depends(allowed("view_board"))],
    end: Annotated[str | None, Query(max_length=32)] = None,
    days: int = 7,
) -> Response:
    last = parse_day(end) if end else console(request).reconcile.today()
    first = last - timedelta(days=max(1, min(days, 62)) - 1)
    rows = console(request).reconcile.board(first, last)
    dates = [last - timedelta(days=i) for i in range((last - first).days + 1)]
    terminals = sorted({(d.store_code, d.terminal_name, d.terminal_id) for d in rows})
    cells = {(d.terminal_id, d.business_date): d for d in rows}
    return render(
        request,
        "board.html",
        dates=[d.isoformat() for d in dates],
        terminals=terminals,
        cells=cells,
        end=last.isoformat(),
        days=len(dates),
    )


@router.get("/board/{terminal_id}/{business_date}")
def terminal_day(
    request: Request,
    terminal_id: str,
    business_date: str,
    who: Annotated[Principal, Depends(allowed("view_board"))],
) -> Response:
    day = parse_day(business_date)
    summary, events = console(request).reconcile.terminal_day(terminal_id, day)
    if summary is None and not events:
        raise NotFound("Nothing recorded for this terminal on that day.", code="not_found")
    missing = set(summary.missing_seqs) if summary else set()
    return render(
        request,
        "terminal_day.html",
        summary=summary,
        events=events,
        missing=sorted(missing),
        business_date=day.isoformat(),
        terminal_id=terminal_id,
    )


@router.get("/exceptions")
def exceptions(
    request: Request, who: Annotated[Principal, Depends(allowed("view_exceptions"))]
) -> Response:
    return render(request, "exceptions.html", **console(request).reconcile.exceptions())
