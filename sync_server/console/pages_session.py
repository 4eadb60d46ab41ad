"""Sign-in, sign-out, the home page, the audit log and the program editor."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from shared.domain.program import LoyaltyProgram, describe_program_errors
from shared.errors import ValidationFailed
from sync_server.console import i18n, program_form
from sync_server.console.csv_export import csv_response
from sync_server.console.deps import (
    LANGUAGE_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    ConsoleRoute,
    CsrfRefused,
    allowed,
    checked_form,
    console,
    delete_cookie,
    field,
    principal,
    render,
    secure_context,
    set_cookie,
    store_zones,
)
from sync_server.repositories import keyset
from sync_server.services.accounts import SESSION_TTL, Principal, SignInFailed, SignInThrottled

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
Who = Annotated[Principal, Depends(principal)]


def _login_page(request: Request, error: str = "", status_code: int = 200) -> Response:
    tokens = console(request).form_tokens
    pre_session = tokens.new_pre_session()
    response = render(
        request,
        "login.html",
        status_code=status_code,
        login_csrf=tokens.token(pre_session),
        error=error,
        insecure=not secure_context(request),
    )
    set_cookie(response, LOGIN_CSRF_COOKIE, pre_session, 3600)
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    response = _login_page(request)
    chosen = i18n.supported(request.query_params.get("lang"))
    if chosen:  # the language links of the sign-in page
        set_cookie(response, LANGUAGE_COOKIE, chosen, 365 * 86400)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    services = console(request)
    if not services.form_tokens.valid(
        request.cookies.get(LOGIN_CSRF_COOKIE), form.get("csrf_token")
    ):
        raise CsrfRefused("The sign-in form expired or lacks its security token; try again.")
    client = request.client.host if request.client else "unknown"
    try:
        token, _who = services.accounts.sign_in(
            field(form, "name"), str(form.get("password") or ""), client
        )
    except SignInThrottled as error:
        page = _login_page(request, error.message, status_code=429)
        page.headers["Retry-After"] = str(error.params["retry_after"])
        return page
    except SignInFailed as error:
        return _login_page(request, error.message, status_code=401)
    response = RedirectResponse("/console/", status_code=303)
    set_cookie(response, SESSION_COOKIE, token, int(SESSION_TTL.total_seconds()))
    delete_cookie(response, LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, who: Who) -> Response:
    await checked_form(request, who)
    console(request).accounts.sign_out(who)
    response = RedirectResponse("/console/login", status_code=303)
    delete_cookie(response, SESSION_COOKIE)
    return response


@router.get("/")
def home(request: Request, who: Who) -> Response:
    today = console(request).reconcile.today()
    days = (
        console(request).reconcile.board(today - timedelta(days=6), today)
        if who.can("view_board")
        else []
    )
    counts = {
        s: sum(1 for d in days if d.status == s)
        for s in ("matched", "pending", "mismatch", "unclosed")
    }
    return render(request, "home.html", counts=counts)


AuditFilter = Annotated[str, Query(max_length=200)]


@router.get("/audit")
def audit(
    request: Request,
    who: Annotated[Principal, Depends(allowed("view_audit"))],
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,  # audit_log.id: INTEGER
    actor: AuditFilter = "",
    action: AuditFilter = "",
    target: AuditFilter = "",
) -> Response:
    cursor = keyset.encode([before]) if before is not None else None
    page = console(request).lists.audit(who, actor, action, target, cursor)
    older = page.rows[-1][0].id if page.next_cursor and page.rows else None
    return render(
        request,
        "audit.html",
        entries=[r[0] for r in page.rows],
        older=older,
        zone=store_zones(console(request).admin.stores())[None],
        actor=actor,
        action=action,
        target=target,
        query=urlencode({"actor": actor, "action": action, "target": target}),
    )


@router.get("/audit.csv")
def audit_csv(
    request: Request,
    who: Annotated[Principal, Depends(allowed("view_audit"))],
    actor: AuditFilter = "",
    action: AuditFilter = "",
    target: AuditFilter = "",
) -> Response:
    rows = console(request).lists.audit_export(who, actor, action, target)
    columns = ("id", "at", "actor", "action", "target", "reason", "detail")
    return csv_response(
        "audit.csv", list(columns), rows, lambda r: [getattr(r[0], c) for c in columns]
    )


@router.post("/program")
async def publish_program(
    request: Request, who: Annotated[Principal, Depends(allowed("publish_program"))]
) -> Response:
    form = await checked_form(request, who)
    text = field(form, "program")
    try:
        program = LoyaltyProgram.model_validate_json(text)
    except ValidationError as error:
        detail = describe_program_errors(error.errors())  # each names its field
        raise ValidationFailed(
            f"This is not a valid loyalty program: {detail}",
            code="invalid_program",
            detail=detail,
        ) from None
    services = console(request)
    stores = [store for store in services.admin.stores() if store.active]
    start = program_form.effective_from(field(form, "effective_from"), store_zones(stores)[None])
    chosen = program_form.chosen_stores(form)
    services.admin.publish_program(program, effective_from=start, stores=chosen, actor=who.name)
    scope = json.dumps(
        {"stores": chosen or "all", "effective_from": start.isoformat() if start else None}
    )
    services.accounts.audit(
        who.name,
        "program.publish",
        f"rule_version {program.rule_version}",
        detail=(scope + " " + text)[:2000],
    )
    return RedirectResponse("/console/program?published=1", status_code=303)
