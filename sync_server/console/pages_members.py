"""Members (search, detail, personal data with a reason, export, erasure, a coupon),
campaigns for a segment, and the churn-risk list."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from shared.domain.business_day import parse_day
from shared.errors import ValidationFailed
from sync_server.console.csv_export import csv_response
from sync_server.console.deps import (
    ConsoleRoute,
    allowed,
    checked_form,
    console,
    field,
    flag,
    render,
    store_zones,
)
from sync_server.repositories.console_lists import MEMBER_STATUSES, MemberFilter
from sync_server.services.accounts import Principal
from sync_server.services.campaigns import Segment
from sync_server.services.member_profile import ProfileChange

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


Text = Annotated[str, Query(max_length=100)]
Cursor = Annotated[str | None, Query(max_length=1000)]
Sort = Annotated[str, Query(pattern="^(code|name|enrolled)$")]
Direction = Annotated[str, Query(pattern="^(asc|desc)$")]
MEMBER_CSV = ("member_code", "name", "phone_masked", "tier", "balance", "store_code", "status")


def _filter(q: str, tier: str, store: str, status: str) -> MemberFilter:
    if status and status not in MEMBER_STATUSES:
        raise ValidationFailed("Unknown status.", code="invalid_request")
    return MemberFilter(q=q, tier=tier, store=store, status=status)


@router.get("/members")
def members(
    request: Request,
    who: Viewer,
    q: Text = "",
    tier: Text = "",
    store: Text = "",
    status: Text = "",
    sort: Sort = "code",
    dir: Direction = "asc",
    after: Cursor = None,
) -> Response:
    services = console(request)
    found = _filter(q, tier, store, status)
    page = services.lists.members(who, found, sort, dir == "desc", after)
    filters = {"q": q, "tier": tier, "store": store, "status": status}
    return render(
        request,
        "members.html",
        q=q,
        tier=tier,
        store=store,
        status=status,
        sort=sort,
        dir=dir,
        page=page,
        filters=urlencode(filters),
        query=urlencode({**filters, "sort": sort, "dir": dir}),
        tiers=[t.code for t in services.admin.current_program().tiers],
        stores=services.admin.stores(),
        zones=store_zones(services.admin.stores()),
        statuses=MEMBER_STATUSES,
        erased=request.query_params.get("erased"),
    )


@router.get("/members.csv")
def members_csv(
    request: Request,
    who: Viewer,
    q: Text = "",
    tier: Text = "",
    store: Text = "",
    status: Text = "",
    sort: Sort = "code",
    dir: Direction = "asc",
) -> Response:
    found = _filter(q, tier, store, status)
    rows = console(request).lists.members_export(who, found, sort, dir == "desc")
    return csv_response(
        "members.csv",
        [*MEMBER_CSV, "enrolled_at"],
        rows,
        lambda r: [*(getattr(r, c) for c in MEMBER_CSV), r.enrolled_at],
    )


def _member_page(
    request: Request,
    who: Principal,
    member_code: str,
    *,
    personal: dict[str, object] | None = None,
    message: str = "",
    after: str | None = None,
) -> Response:
    services = console(request)
    view = services.members.member(who, member_code)
    history = services.lists.history(who, member_code, after)
    coupons = services.lists.coupons(who, member_code, None)
    stores = services.admin.stores()
    zones = store_zones(stores)
    currency = next((s.currency for s in stores if s.code == view["store_code"]), None)
    return render(
        request,
        "member.html",
        m=view,
        personal=personal,
        message=message,
        history=history,
        coupons=coupons,
        zone=zones.get(view["store_code"], zones[None]),
        currency=currency or next((s.currency for s in stores), "CNY"),
        saved=request.query_params.get("saved", ""),
        merged=request.query_params.get("merged", "")[:32],
    )


@router.get("/members/{member_code}")
def member(request: Request, member_code: str, who: Viewer, after: Cursor = None) -> Response:
    survivor = console(request).merges.survivor_code(who, member_code)
    if survivor is not None:  # merged at head office: its code answers with the survivor
        return RedirectResponse(
            f"/console/members/{quote(survivor)}?merged={quote(member_code)}", status_code=303
        )
    return _member_page(request, who, member_code, after=after)


Merger = Annotated[Principal, Depends(allowed("merge_members"))]


@router.get("/members/{member_code}/merge")
def merge_preview(request: Request, member_code: str, who: Merger, other: Text = "") -> Response:
    """The confirmation: both members, what moves, this member afterwards."""
    services = console(request)
    preview = services.merges.preview(who, member_code, other)
    stores = services.admin.stores()
    return render(request, "member_merge.html", p=preview, zones=store_zones(stores))


@router.post("/members/{member_code}/merge")
async def merge(request: Request, member_code: str, who: Merger) -> Response:
    form = await checked_form(request, who)
    done = console(request).merges.merge(
        who, member_code, field(form, "other"), field(form, "reason")
    )
    return RedirectResponse(
        f"/console/members/{quote(done.survivor_code)}?merged={quote(done.merged_code)}",
        status_code=303,
    )


@router.post("/members/{member_code}/profile")
async def edit_profile(
    request: Request,
    member_code: str,
    who: Annotated[Principal, Depends(allowed("edit_members"))],
) -> Response:
    form = await checked_form(request, who)
    change = ProfileChange(
        name=field(form, "name") or None,
        phone=field(form, "phone") or None,
        email=field(form, "email") or None,
        birthday=field(form, "birthday") or None,
        consent_marketing=flag(field(form, "consent_marketing")),
    )
    changed = console(request).profiles.update(who, member_code, change)
    return RedirectResponse(
        f"/console/members/{quote(member_code)}?saved={quote(','.join(changed))}",
        status_code=303,
    )


@router.post("/members/{member_code}/reveal")
async def reveal(
    request: Request,
    member_code: str,
    who: Annotated[Principal, Depends(allowed("view_personal_data"))],
) -> Response:
    form = await checked_form(request, who)
    personal = console(request).members.reveal(who, member_code, field(form, "reason"))
    return _member_page(request, who, member_code, personal=personal)


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
    console(request).campaigns.issue_to_member(who, member_code, title, value, currency, expires)
    return _member_page(request, who, member_code, message="coupon_issued")


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


ChurnDays = Annotated[int, Query(ge=1, le=3650)]
ChurnSort = Annotated[str, Query(pattern="^(code|absent)$")]


@router.get("/churn")
def churn(
    request: Request,
    who: Annotated[Principal, Depends(allowed("view_churn"))],
    days: ChurnDays = 90,
    sort: ChurnSort = "code",
    after: Cursor = None,
) -> Response:
    services = console(request)
    page = services.lists.churn(who, days, sort, after)
    return render(
        request,
        "churn.html",
        page=page,
        days=days,
        sort=sort,
        query=urlencode({"days": days, "sort": sort}),
        zones=store_zones(services.admin.stores()),
    )


@router.get("/churn.csv")
def churn_csv(
    request: Request,
    who: Annotated[Principal, Depends(allowed("view_churn"))],
    days: ChurnDays = 90,
    sort: ChurnSort = "code",
) -> Response:
    rows = console(request).lists.churn_export(who, days, sort)
    columns = ("member_code", "name", "tier", "balance", "store_code", "enrolled_at", "last_visit")
    return csv_response(
        f"churn-{days}.csv", list(columns), rows, lambda r: [getattr(r, c) for c in columns]
    )
