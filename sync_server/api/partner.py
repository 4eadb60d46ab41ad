"""``/partner/v1``: the REST API for a retailer's other software (docs/PARTNER_API.md).

Thin routes: parse, authenticate the API key (scopes, rate limit), run the operation in
``services/partner.py``; every write goes through :func:`_idempotent` (the
``Idempotency-Key`` rules of ``services/partner_idempotency.py``). Errors are the same
problem documents with stable codes as the rest of the server (``api/problems.py``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from starlette.concurrency import run_in_threadpool

from shared.errors import DomainError
from shared.protocol import MAX_CENTS, MAX_POINTS, Day, Moment, Problem, StoreReport
from sync_server.api.problems import for_domain_error
from sync_server.services.partner import PartnerService
from sync_server.services.partner_idempotency import IdempotencyStore, check_key
from sync_server.services.partner_keys import Partner, PartnerKeyService

PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 404, 409, 422, 429)
}
router = APIRouter(prefix="/partner/v1", tags=["partner"], responses=PROBLEMS)


@dataclass
class PartnerServices:
    keys: PartnerKeyService
    partner: PartnerService
    idempotency: IdempotencyStore


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


Text100 = Annotated[str, Field(min_length=1, max_length=100)]
StoreCode = Annotated[str, Field(min_length=1, max_length=32)]
Channel = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
OrderId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$")]


class EnrolRequest(_Body):
    store: StoreCode = Field(description="the store the member joins through")
    name: Text100
    phone: Annotated[str, Field(min_length=1, max_length=32)]
    email: Annotated[str, Field(max_length=254)] | None = None
    birthday: Day | None = None
    consent_marketing: StrictBool
    external_id: Text100 | None = Field(
        default=None, description="the member's id in your system (look-up by external_id)"
    )


class UpdateRequest(_Body):
    store: StoreCode = Field(description="the store the change is made through")
    name: Text100 | None = None
    phone: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    birthday: Day | None = None
    consent_marketing: StrictBool | None = Field(
        default=None, description="record the member's marketing consent (true) or its withdrawal"
    )


class EarnRequest(_Body):
    store: StoreCode
    channel: Channel = Field(description="the online channel, e.g. web, wechat")
    order_id: OrderId = Field(description="earns once per (store, channel, order_id)")
    amount_cents: Annotated[StrictInt, Field(gt=0, le=MAX_CENTS)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class RedeemRequest(_Body):
    store: StoreCode
    channel: Channel
    order_id: OrderId = Field(description="redeems once per (store, channel, order_id)")
    points: Annotated[StrictInt, Field(gt=0, le=MAX_POINTS)]
    order_amount_cents: Annotated[StrictInt, Field(gt=0, le=MAX_CENTS)]


class ReturnRequest(_Body):
    store: StoreCode = Field(description="the store the order was earned or redeemed at")
    channel: Channel
    order_id: OrderId = Field(description="the order being returned")
    return_id: OrderId = Field(
        description="your id of this return: an order may come back in several parts, "
        "each returns once"
    )
    amount_cents: Annotated[StrictInt, Field(gt=0, le=MAX_CENTS)] = Field(
        description="the amount brought back (all of the order or a part)"
    )


class CouponRequest(_Body):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    value_cents: Annotated[StrictInt, Field(gt=0, le=MAX_CENTS)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    expires_at: Moment | None = None


class IssuedCoupon(BaseModel):
    coupon_id: str
    member_id: str
    title: str
    value_cents: int
    currency: str
    expires_at: str | None
    status: str


class CouponOut(BaseModel):
    coupon_id: str
    title: str
    value_cents: int
    currency: str
    expires_at: str | None
    status: str


class MemberOut(BaseModel):
    member_id: str
    member_code: str
    name: str
    phone_last4: str
    tier: str
    tier_until: str | None = None  # the last day the tier is kept; null: not lost by time
    balance: int
    lifetime_points: int
    store: str | None
    enrolled_at: str
    consent_marketing: bool
    external_ids: list[str]
    coupons: list[CouponOut]


class HistoryItem(BaseModel):
    event_id: str
    type: str
    status: str
    code: str | None
    occurred_at: str
    points: int
    balance_after: int | None
    voided: bool
    sale_ref: str | None


class HistoryPage(BaseModel):
    items: list[HistoryItem]
    next_cursor: str | None


class PointsOut(BaseModel):
    event_id: str
    status: str = Field(description="accepted, or duplicate for an order recorded before")
    points: int = Field(description="points moved (negative for a redemption)")
    balance: int | None
    flag: str | None = None
    value_cents: int | None = None
    returned_cents: int | None = Field(
        default=None, description="of a return: the amount taken back (never beyond the order)"
    )
    excess_cents: int | None = Field(
        default=None, description="of a return: what was beyond what is left of the order"
    )


async def partner_services(request: Request) -> PartnerServices:
    found = request.app.state.partner
    assert isinstance(found, PartnerServices)
    return found


PartnerServicesDep = Annotated[PartnerServices, Depends(partner_services)]


async def current_partner(
    svc: PartnerServicesDep, authorization: Annotated[str | None, Header()] = None
) -> Partner:
    return await run_in_threadpool(svc.keys.authenticate, authorization)


PartnerDep = Annotated[Partner, Depends(current_partner)]
IdempotencyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", description="unique per operation; a repeat gets the first answer"
    ),
]


def _json(status: int, content: Any) -> Response:
    return Response(
        json.dumps(content, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        media_type="application/json",
    )


async def _idempotent(
    svc: PartnerServices,
    partner: Partner,
    raw_key: str | None,
    route: str,
    body: BaseModel,
    status: int,
    operation: Callable[[str], dict[str, Any]],
) -> Response:
    def run() -> Response:
        key = check_key(raw_key)
        digest = hashlib.sha256((route + "\n" + body.model_dump_json()).encode("utf-8")).hexdigest()
        stored = svc.idempotency.begin(partner.key_id, key, digest)
        if stored is not None:
            response = Response(
                stored.body,
                status_code=stored.status_code,
                media_type="application/json"
                if stored.status_code < 400
                else "application/problem+json",
            )
            response.headers["Idempotent-Replayed"] = "true"
            return response
        try:
            answer = operation(key)
        except DomainError as error:
            if error.status >= 500 or error.status == 429:
                svc.idempotency.forget(partner.key_id, key)
                raise
            problem = for_domain_error(error)
            svc.idempotency.finish(partner.key_id, key, error.status, bytes(problem.body).decode())
            return problem
        except BaseException:
            svc.idempotency.forget(partner.key_id, key)
            raise
        response = _json(status, answer)
        svc.idempotency.finish(partner.key_id, key, status, bytes(response.body).decode())
        return response

    return await run_in_threadpool(run)


@router.get("/members", response_model=MemberOut, summary="Look a member up")
def find_member(
    partner: PartnerDep,
    svc: PartnerServicesDep,
    code: Annotated[str | None, Query(max_length=32)] = None,
    phone: Annotated[str | None, Query(max_length=32)] = None,
    external_id: Annotated[str | None, Query(max_length=100)] = None,
    region: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
) -> Response:
    return _json(
        200,
        svc.partner.find_member(
            partner, code=code, phone=phone, external_id=external_id, region=region
        ),
    )


@router.get("/members/{member_id}", response_model=MemberOut, summary="A member")
def get_member(
    member_id: Annotated[str, Path(max_length=36)], partner: PartnerDep, svc: PartnerServicesDep
) -> Response:
    return _json(200, svc.partner.member(partner, member_id))


@router.get(
    "/members/{member_id}/history", response_model=HistoryPage, summary="A member's history"
)
def member_history(
    member_id: Annotated[str, Path(max_length=36)],
    partner: PartnerDep,
    svc: PartnerServicesDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    return _json(200, svc.partner.history(partner, member_id, cursor, limit))


@router.get(
    "/reports/stores/{store_code}",
    response_model=StoreReport,
    summary="A store's figures by business date",
)
def store_report(
    store_code: Annotated[str, Path(max_length=32)],
    partner: PartnerDep,
    svc: PartnerServicesDep,
    date_from: Annotated[date, Query(description="first business date")],
    date_to: Annotated[date, Query(description="last business date (at most 92 days on)")],
) -> Response:
    return _json(200, svc.partner.store_report(partner, store_code, date_from, date_to))


@router.post("/members", status_code=201, response_model=MemberOut, summary="Enrol a member")
async def enrol(
    body: EnrolRequest,
    partner: PartnerDep,
    svc: PartnerServicesDep,
    idempotency_key: IdempotencyHeader = None,
) -> Response:
    return await _idempotent(
        svc,
        partner,
        idempotency_key,
        "POST /members",
        body,
        201,
        lambda key: svc.partner.enrol(partner, key, body.model_dump(mode="json")),
    )


@router.patch(
    "/members/{member_id}", response_model=MemberOut, summary="Update a profile, record consent"
)
async def update_member(
    member_id: Annotated[str, Path(max_length=36)],
    body: UpdateRequest,
    partner: PartnerDep,
    svc: PartnerServicesDep,
    idempotency_key: IdempotencyHeader = None,
) -> Response:
    return await _idempotent(
        svc,
        partner,
        idempotency_key,
        f"PATCH /members/{member_id}",
        body,
        200,
        lambda key: svc.partner.update(partner, member_id, key, body.model_dump(mode="json")),
    )


@router.post(
    "/members/{member_id}/earn", response_model=PointsOut, summary="Earn for an online order"
)
async def earn(
    member_id: Annotated[str, Path(max_length=36)],
    body: EarnRequest,
    partner: PartnerDep,
    svc: PartnerServicesDep,
    idempotency_key: IdempotencyHeader = None,
) -> Response:
    return await _idempotent(
        svc,
        partner,
        idempotency_key,
        f"POST /members/{member_id}/earn",
        body,
        200,
        lambda _key: svc.partner.earn(partner, member_id, body.model_dump(mode="json")),
    )


@router.post(
    "/members/{member_id}/redeem",
    response_model=PointsOut,
    summary="Redeem points on an online order",
)
async def redeem(
    member_id: Annotated[str, Path(max_length=36)],
    body: RedeemRequest,
    partner: PartnerDep,
    svc: PartnerServicesDep,
    idempotency_key: IdempotencyHeader = None,
) -> Response:
    return await _idempotent(
        svc,
        partner,
        idempotency_key,
        f"POST /members/{member_id}/redeem",
        body,
        200,
        lambda _key: svc.partner.redeem(partner, member_id, body.model_dump(mode="json")),
    )


@router.post(
    "/members/{member_id}/return",
    response_model=PointsOut,
    summary="Return all or part of an online order",
)
async def return_order(
    member_id: Annotated[str, Path(max_length=36)],
    body: ReturnRequest,
    partner: PartnerDep,
    svc: PartnerServicesDep,
    idempotency_key: IdempotencyHeader = None,
) -> Response:
    return await _idempotent(
        svc,
        partner,
        idempotency_key,
        f"POST /members/{member_id}/return",
        body,
        200,
        lambda _key: svc.partner.return_order(partner, member_id, body.model_dump(mode="json")),
    )


@router.post(
    "/members/{member_id}/coupons",
    status_code=201,
    response_model=IssuedCoupon,
    summary="Issue a coupon",
)
async def issue_coupon(
    member_id: Annotated[str, Path(max_length=36)],
    body: CouponRequest,
    partner: PartnerDep,
    svc: PartnerServicesDep,
    idempotency_key: IdempotencyHeader = None,
) -> Response:
    return await _idempotent(
        svc,
        partner,
        idempotency_key,
        f"POST /members/{member_id}/coupons",
        body,
        201,
        lambda key: svc.partner.issue_coupon(partner, member_id, key, body.model_dump(mode="json")),
    )
