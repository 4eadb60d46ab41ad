"""Partner API keys and webhooks (issue 18): make and revoke keys (the secret is shown
once), add, pause and resume webhook endpoints, list deliveries and failures, replay.
Admins only (``manage_accounts``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from shared.errors import ValidationFailed
from sync_server.console.deps import ConsoleRoute, allowed, checked_form, console, field, render
from sync_server.services.accounts import Principal
from sync_server.services.partner_keys import SCOPES, PartnerKeyService
from sync_server.services.webhooks import WEBHOOK_TYPES, WebhookService

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
Admin = Annotated[Principal, Depends(allowed("manage_accounts"))]
DELIVERY_FILTERS = ("failing", "dead", "pending", "delivered", "")


def _keys(request: Request) -> PartnerKeyService:
    return PartnerKeyService(console(request).accounts.database)


def _webhooks(request: Request) -> WebhookService:
    services = request.app.state.services
    return WebhookService(services.database, getattr(services, "webhook_endpoints", None))


def _page(request: Request, status: str = "failing", **made: Any) -> Response:
    if status not in DELIVERY_FILTERS:
        status = "failing"
    webhooks = _webhooks(request)
    return render(
        request,
        "partners.html",
        keys=_keys(request).list(),
        endpoints=webhooks.list_endpoints(),
        deliveries=webhooks.deliveries(status),
        status=status,
        filters=DELIVERY_FILTERS,
        scopes=SCOPES,
        event_types=WEBHOOK_TYPES,
        stores=console(request).admin.stores(),
        **made,
    )


@router.get("/partners")
def partners(
    request: Request,
    who: Admin,
    status: Annotated[str, Query(max_length=16)] = "failing",
) -> Response:
    return _page(request, status)


@router.post("/partners/keys/new")
async def new_key(request: Request, who: Admin) -> Response:
    form = await checked_form(request, who)
    rate_text = field(form, "rate", "600")
    if not rate_text.isascii() or not rate_text.isdigit() or len(rate_text) > 7:
        raise ValidationFailed("The rate is a whole number.", code="invalid_number")
    made = _keys(request).create(
        who,
        field(form, "name"),
        [s for s in form.getlist("scopes") if isinstance(s, str)],
        [s for s in form.getlist("stores") if isinstance(s, str)],
        int(rate_text),
    )
    return _page(request, made_key=made)


@router.post("/partners/keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: str, who: Admin) -> Response:
    await checked_form(request, who)
    _keys(request).revoke(who, key_id)
    return RedirectResponse("/console/partners", status_code=303)


@router.post("/partners/webhooks/new")
async def new_endpoint(request: Request, who: Admin) -> Response:
    form = await checked_form(request, who)
    made = _webhooks(request).add(
        who,
        field(form, "url"),
        [t for t in form.getlist("types") if isinstance(t, str)],
        personal_data=field(form, "personal_data") == "yes",
    )
    return _page(request, made_endpoint=made)


@router.post("/partners/webhooks/{endpoint_id}/{action}")
async def pause_endpoint(request: Request, endpoint_id: str, action: str, who: Admin) -> Response:
    await checked_form(request, who)
    if action not in ("pause", "resume"):
        raise ValidationFailed("Unknown action.", code="invalid_request")
    _webhooks(request).set_paused(who, endpoint_id, action == "pause")
    return RedirectResponse("/console/partners", status_code=303)


@router.post("/partners/deliveries/{delivery_id}/replay")
async def replay(request: Request, delivery_id: int, who: Admin) -> Response:
    form = await checked_form(request, who)
    _webhooks(request).replay(who, delivery_id)
    status = field(form, "status", "failing")
    return RedirectResponse(f"/console/partners?status={status}", status_code=303)
