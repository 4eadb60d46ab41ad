"""Members (search, detail, personal data with a reason, export, erasure, a coupon),
campaigns for a segment, and the churn-risk list."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from shared.domain.business_day import parse_day
from shared.errors import ValidationFailed
from sync_server.console.deps import ConsoleRoute, allowed, checked_form, console, field, render
from sync_server.services.accounts import Principal
from sync_server.services.campaigns import Segment

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
Viewer = Annotated[Principal, Depends(allowed("view_members"))]


def _int(text: str, name: str, *, optional: bool = False) -> int | None:
    if not text and optional:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValidationFailed(f"{name} must be a whole number.", code="invalid_number") from None


def _coupon_fields(form: FormData) -> tuple[str, int, str, datetime | None]:
    value = _int(field(form, "value_cents"), "Value")
    assert value is not None
    expires_text = field(form, "expires_at")
    expires = (
        datetime.combine(parse_day(expires_text), time(23, 59, 59), tzinfo=UTC)
        if expires_text
        else None
    )
    return field(form, "title"), value, field(form, "currency", "CNY") or "CNY", expires


@router.get("/members")
def members(request: Request, who: Viewer, q: str = "") -> Response:
    found = console(request).members.search(who, q)
    return render(
        request, "members.html", q=q, found=found, erased=request.query_params.get("erased")
    )


@router.get("/members/{member_code}")
def member(request: Request, member_code: str, who: Viewer) -> Response:
    view = console(request).members.member(who, member_code)
    return render(request, "member.html", m=view, personal=None, message="")


@router.post("/members/{member_code}/reveal")
async def reveal(
    request: Request,
    member_code: str,
    who: Annotated[Principal, Depends(allowed("view_personal_data"))],
) -> Response:
    form = await checked_form(request, who)
    services = console(request).members
    personal = services.reveal(who, member_code, field(form, "reason"))
    view = services.member(who, member_code)
    return render(request, "member.html", m=view, personal=personal, message="")


@router.post("/members/{member_code}/export")
async def export(
    request: Request,
    member_code: str,
    who: Annotated[Principal, Depends(allowed("export_member"))],
) -> Response:
    form = await checked_form(request, who)
    data = console(request).members.export(who, member_code, field(form, "reason"))
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="member-{quote(member_code)}.json"'},
    )


@router.post("/members/{member_code}/erase")
async def erase(
    request: Request,
    member_code: str,
    who: Annotated[Principal, Depends(allowed("erase_member"))],
) -> Response:
    form = await checked_form(request, who)
    if field(form, "confirm_code") != member_code:
        raise ValidationFailed(
            "Type the member code to confirm the erasure.", code="confirmation_required"
        )
    console(request).members.erase(who, member_code, field(form, "reason"))
    return RedirectResponse(f"/console/members?erased={quote(member_code)}", status_code=303)


@router.post("/members/{member_code}/coupon")
async def member_coupon(
    request: Request,
    member_code: str,
    who: Annotated[Principal, Depends(allowed("issue_coupons"))],
) -> Response:
    form = await checked_form(request, who)
    title, value, currency, expires = _coupon_fields(form)
    services = console(request)
    services.campaigns.issue_to_member(who, member_code, title, value, currency, expires)
    view = services.members.member(who, member_code)
    return render(request, "member.html", m=view, personal=None, message="Coupon issued.")


def _segment(tier: str, month: str, days: str) -> Segment:
    return Segment(
        tier=tier or None,
        birthday_month=_int(month, "Birthday month", optional=True),
        not_seen_days=_int(days, "Days not seen", optional=True),
    )


@router.get("/campaigns")
def campaigns(
    request: Request,
    who: Annotated[Principal, Depends(allowed("issue_coupons"))],
    tier: str = "",
    month: str = "",
    days: str = "",
) -> Response:
    segment = _segment(tier, month, days)
    preview = console(request).campaigns.preview(who, segment) if (tier or month or days) else None
    return render(
        request, "campaigns.html", tier=tier, month=month, days=days, preview=preview, issued=None
    )


@router.post("/campaigns")
async def issue_campaign(
    request: Request, who: Annotated[Principal, Depends(allowed("issue_coupons"))]
) -> Response:
    form = await checked_form(request, who)
    segment = _segment(field(form, "tier"), field(form, "month"), field(form, "days"))
    title, value, currency, expires = _coupon_fields(form)
    issued = console(request).campaigns.issue_to_segment(
        who, segment, title, value, currency, expires
    )
    return render(
        request,
        "campaigns.html",
        tier=segment.tier or "",
        month=field(form, "month"),
        days=field(form, "days"),
        preview=None,
        issued=issued,
    )


@router.get("/churn")
def churn(
    request: Request, who: Annotated[Principal, Depends(allowed("view_churn"))], days: int = 90
) -> Response:
    rows = console(request).campaigns.churn_risk(who, max(1, min(days, 3650)))
    return render(request, "churn.html", rows=rows, days=days)
