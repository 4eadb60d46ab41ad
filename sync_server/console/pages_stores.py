"""Stores (add, edit settings, deactivate) and staff (add, new PIN, deactivate), through
the services the command line uses (AdminService, StaffAdminService). Staff changes go
to their store's tills through the change log, as the CLI's do."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from shared.errors import NotFound, ValidationFailed
from sync_server.console.csv_export import csv_response
from sync_server.console.deps import (
    ConsoleRoute,
    allowed,
    checked_form,
    console,
    field,
    flag,
    render,
)
from sync_server.services.accounts import Principal
from sync_server.services.admin import STORE_LANGUAGES
from sync_server.services.staff import ROLES as STAFF_ROLES

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
Text = Annotated[str, Query(max_length=100)]
Cursor = Annotated[str | None, Query(max_length=1000)]
StoreViewer = Annotated[Principal, Depends(allowed("view_stores"))]
StoreAdmin = Annotated[Principal, Depends(allowed("manage_stores"))]
StaffViewer = Annotated[Principal, Depends(allowed("view_staff"))]
StaffAdmin = Annotated[Principal, Depends(allowed("manage_staff"))]
CURRENCIES = ("CNY", "HKD", "TWD", "JPY", "KRW", "SGD", "USD", "EUR", "GBP")


def _zones() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def _settings(form: FormData) -> dict[str, str]:
    return {
        "name": field(form, "name"),
        "currency": field(form, "currency").upper(),
        "timezone": field(form, "timezone"),
        "phone_region": field(form, "phone_region").upper(),
        "language": field(form, "language"),
        "closing_time": field(form, "closing_time"),
        "region": field(form, "region"),
    }


# --- stores ---------------------------------------------------------------------------


@router.get("/stores")
def stores(
    request: Request, who: StoreViewer, q: Text = "", active: Text = "", after: Cursor = None
) -> Response:
    page = console(request).lists.stores(who, q, active, after)
    return render(
        request,
        "stores.html",
        page=page,
        q=q,
        active=active,
        query=urlencode({"q": q, "active": active}),
        zones=_zones(),
        currencies=CURRENCIES,
        store_languages=STORE_LANGUAGES,
    )


@router.get("/stores.csv")
def stores_csv(request: Request, who: StoreViewer, q: Text = "", active: Text = "") -> Response:
    rows = console(request).lists.stores_export(who, q, active)
    header = [
        "code",
        "name",
        "region",
        "currency",
        "timezone",
        "phone_region",
        "language",
        "closing_time",
    ]
    return csv_response(
        "stores.csv",
        [*header, "active"],
        rows,
        lambda r: [*(getattr(r[0], c) for c in header), "yes" if r[0].active else "no"],
    )


@router.post("/stores")
async def add_store(request: Request, who: StoreAdmin) -> Response:
    form = await checked_form(request, who)
    services = console(request)
    settings = _settings(form)
    code = field(form, "code")
    services.admin.add_store(code, settings.pop("name"), **settings)
    services.accounts.audit(who.name, "store.add", code)
    return RedirectResponse(f"/console/stores/{quote(code)}?saved=1", status_code=303)


@router.get("/stores/{code}")
def store(request: Request, code: str, who: StoreViewer) -> Response:
    services = console(request)
    found = next((s for s in services.admin.stores() if s.code == code), None)
    if found is None:
        raise NotFound(f"No store {code!r}.", code="unknown_store")
    return render(
        request,
        "store.html",
        store=found,
        zones=_zones(),
        currencies=CURRENCIES,
        store_languages=STORE_LANGUAGES,
        saved=request.query_params.get("saved"),
    )


@router.post("/stores/{code}")
async def update_store(request: Request, code: str, who: StoreAdmin) -> Response:
    form = await checked_form(request, who)
    services = console(request)
    settings = _settings(form)
    services.admin.update_store(code, **settings)
    detail = ",".join(f"{k}={v}" for k, v in settings.items())
    services.accounts.audit(who.name, "store.update", code, detail=detail)
    return RedirectResponse(f"/console/stores/{quote(code)}?saved=1", status_code=303)


@router.post("/stores/{code}/active")
async def store_active(request: Request, code: str, who: StoreAdmin) -> Response:
    form = await checked_form(request, who)
    active = flag(field(form, "active"))
    if active is None:
        raise ValidationFailed("Active is yes or no.", code="invalid_request")
    services = console(request)
    services.admin.set_store_active(code, active)
    services.accounts.audit(who.name, "store.activate" if active else "store.deactivate", code)
    return RedirectResponse(f"/console/stores/{quote(code)}?saved=1", status_code=303)


# --- staff ----------------------------------------------------------------------------


@router.get("/staff")
def staff(
    request: Request,
    who: StaffViewer,
    store: Text = "",
    role: Text = "",
    active: Text = "",
    q: Text = "",
    after: Cursor = None,
) -> Response:
    services = console(request)
    page = services.lists.staff(who, store, role, active, q, after)
    return render(
        request,
        "staff.html",
        page=page,
        store=store,
        role=role,
        active=active,
        q=q,
        query=urlencode({"store": store, "role": role, "active": active, "q": q}),
        stores=[s for s in services.admin.stores() if s.active],
        roles=STAFF_ROLES,
        min_manager_pin=services.admin.current_program().manager_pin_length,
        saved=request.query_params.get("saved", ""),
    )


@router.get("/staff.csv")
def staff_csv(
    request: Request,
    who: StaffViewer,
    store: Text = "",
    role: Text = "",
    active: Text = "",
    q: Text = "",
) -> Response:
    rows = console(request).lists.staff_export(who, store, role, active, q)
    return csv_response(
        "staff.csv",
        ["staff_code", "name", "role", "store_code", "active"],
        rows,
        lambda r: [r.staff_code, r.name, r.role, r.store_code, "yes" if r.active else "no"],
    )


def _back_to_staff(code: str, store: str) -> Response:
    return RedirectResponse(
        "/console/staff?" + urlencode({"store": store, "saved": code}), status_code=303
    )


@router.post("/staff")
async def add_staff(request: Request, who: StaffAdmin) -> Response:
    form = await checked_form(request, who)
    services = console(request)
    code, store = field(form, "staff_code"), field(form, "store_code")
    role = field(form, "role")
    services.staff.add(code, field(form, "name"), role, field(form, "pin"), store or None)
    services.accounts.audit(who.name, "staff.add", code, detail=f"role={role} store={store}")
    return _back_to_staff(code, store)


@router.post("/staff/{code}/pin")
async def reset_pin(request: Request, code: str, who: StaffAdmin) -> Response:
    form = await checked_form(request, who)
    services = console(request)
    done = services.staff.reset_pin(code, field(form, "pin"))
    services.accounts.audit(who.name, "staff.reset_pin", code)
    return _back_to_staff(code, done["store_code"] or "")


@router.post("/staff/{code}/active")
async def staff_active(request: Request, code: str, who: StaffAdmin) -> Response:
    form = await checked_form(request, who)
    active = flag(field(form, "active"))
    if active is None:
        raise ValidationFailed("Active is yes or no.", code="invalid_request")
    services = console(request)
    done = services.staff.set_active(code, active)
    services.accounts.audit(who.name, "staff.activate" if active else "staff.deactivate", code)
    return _back_to_staff(code, done["store_code"] or "")
