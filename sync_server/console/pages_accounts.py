"""Console accounts and roles (admin only), and each account's language (its own, from
every page)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from shared.errors import ValidationFailed
from sync_server.console.deps import (
    ConsoleRoute,
    allowed,
    checked_form,
    console,
    field,
    flag,
    principal,
    render,
)
from sync_server.services.accounts import ROLES, Principal

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
Admin = Annotated[Principal, Depends(allowed("manage_accounts"))]


def _return_path(text: str) -> str:
    """Where the language switch goes back to: a console page of this site only."""
    parts = urlsplit(text)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console") or "\\" in text:
        return "/console/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


@router.post("/language")
async def switch_language(
    request: Request, who: Annotated[Principal, Depends(principal)]
) -> Response:
    """The signed-in account's language, kept with the account (the sign-in page has
    links instead: ``?lang=``)."""
    form = await checked_form(request, who)
    console(request).accounts.set_language(who, field(form, "language"))
    return RedirectResponse(_return_path(field(form, "next")), status_code=303)


@router.get("/accounts")
def accounts(
    request: Request,
    who: Admin,
    after: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    page = console(request).lists.accounts(who, after)
    return render(
        request, "accounts.html", page=page, roles=ROLES, saved=request.query_params.get("saved")
    )


@router.post("/accounts")
async def add_account(request: Request, who: Admin) -> Response:
    form = await checked_form(request, who)
    name = field(form, "name")
    password = str(form.get("password") or "")
    if password != str(form.get("password_again") or ""):
        raise ValidationFailed("The two passwords differ.", code="passwords_differ")
    console(request).accounts.add(
        name, field(form, "role"), password, actor=who.name, language=field(form, "language", "en")
    )
    return RedirectResponse(f"/console/accounts?saved={quote(name)}", status_code=303)


@router.post("/accounts/{name}")
async def change_account(request: Request, name: str, who: Admin) -> Response:
    form = await checked_form(request, who)
    password = str(form.get("password") or "") or None
    console(request).accounts.change(
        who,
        name,
        role=field(form, "role") or None,
        disabled=flag(field(form, "disabled")),
        password=password,
    )
    return RedirectResponse(f"/console/accounts?saved={quote(name)}", status_code=303)
