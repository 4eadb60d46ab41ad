"""Pydantic models of the sync protocol (../shared/PROTOCOL.md, v1).

These are the wire contract between terminals and the sync server. Extensions to v1
are additive and optional; every field PROTOCOL.md names keeps its meaning.

Conventions: money is ``amount_cents`` (int) plus ISO 4217 ``currency``; points are
ints (strict: ``12.0`` or ``"12"`` is refused); times carry an offset; ids are UUIDs.
``phone_hash_key`` is a hex string; the HMAC key is its decoded bytes.
"""

from __future__ import annotations

from datetime import date
from typing import (
    Annotated,
    Any,
    Literal,
    NotRequired,  # pydantic needs these on 3.11
)
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)
from typing_extensions import TypedDict

from shared.domain.day_totals import event_digest as event_digest  # day close digest, re-exported

PROTOCOL_VERSION = 1
MAX_EVENTS_PER_PUSH = 500
MAX_BODY_BYTES = 1024 * 1024

EventType = Literal[
    "member.enrolled",
    "member.updated",
    "points.earned",
    "points.redeemed",
    "coupon.redeemed",
    "points.adjusted",
    "event.voided",
]
VOIDABLE_TYPES: frozenset[str] = frozenset(
    {"points.earned", "points.redeemed", "points.adjusted", "coupon.redeemed"}
)

Points = StrictInt
Cents = Annotated[StrictInt, Field(ge=0)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Reason = Annotated[str, Field(min_length=1, max_length=500)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    """Responses: unknown fields are ignored so that servers can extend them."""

    model_config = ConfigDict(extra="ignore")


# --- event data ---------------------------------------------------------------------


class MemberEnrolledData(_Strict):
    member_code: Annotated[str, Field(min_length=1, max_length=16)]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    phone: Annotated[str, Field(min_length=1, max_length=32)]
    email: Annotated[str, Field(max_length=254)] | None = None
    birthday: date | None = None
    consent_marketing: StrictBool


class MemberUpdatedData(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    phone: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    birthday: date | None = None
    consent_marketing: StrictBool | None = None


class PointsEarnedData(_Strict):
    sale_ref: ShortText
    amount_cents: Annotated[StrictInt, Field(gt=0)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    points: Annotated[StrictInt, Field(ge=0)]
    rule_version: Annotated[StrictInt, Field(ge=1)]


class PointsRedeemedData(_Strict):
    sale_ref: ShortText
    points: Annotated[StrictInt, Field(gt=0)]
    value_cents: Cents
    # Extension: the sale amount lets the server check the 50 % cap.
    sale_amount_cents: Annotated[StrictInt, Field(gt=0)] | None = None


class CouponRedeemedData(_Strict):
    coupon_id: UUID
    sale_ref: ShortText


class PointsAdjustedData(_Strict):
    points: Points
    reason: Reason

    @field_validator("points")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("an adjustment must change the balance")
        return value


class EventVoidedData(_Strict):
    voided_event_id: UUID
    reason: Reason


EVENT_DATA_MODELS: dict[str, type[BaseModel]] = {
    "member.enrolled": MemberEnrolledData,
    "member.updated": MemberUpdatedData,
    "points.earned": PointsEarnedData,
    "points.redeemed": PointsRedeemedData,
    "coupon.redeemed": CouponRedeemedData,
    "points.adjusted": PointsAdjustedData,
    "event.voided": EventVoidedData,
}


class Event(_Strict):
    event_id: UUID
    terminal_id: UUID
    seq: Annotated[StrictInt, Field(ge=1)]
    type: EventType
    occurred_at: AwareDatetime
    staff_id: UUID | None = None
    member_id: UUID
    data: dict[str, Any]

    @model_validator(mode="after")
    def _data_matches_type(self) -> Event:
        parsed = EVENT_DATA_MODELS[self.type].model_validate(self.data)
        self.data = parsed.model_dump(mode="json", exclude_none=True)
        return self

    def typed_data(self) -> BaseModel:
        return EVENT_DATA_MODELS[self.type].model_validate(self.data)


# --- push ---------------------------------------------------------------------------

PushStatus = Literal["accepted", "duplicate", "rejected"]
REJECTION_CODES: frozenset[str] = frozenset(
    {
        "unknown_member",
        "invalid_member_code",
        "duplicate_member_code",
        "points_mismatch",
        "already_voided",
        "unknown_event",
        "coupon_unavailable",
        "idempotency_conflict",
        # Extensions (additive): reasons PROTOCOL.md leaves to the server.
        "invalid_phone",
        "not_voidable",
        "unknown_rule_version",
        "member_exists",
    }
)


class PushRequest(_Strict):
    events: Annotated[list[Event], Field(max_length=MAX_EVENTS_PER_PUSH)]


class PushResult(_Open):
    event_id: UUID
    status: PushStatus
    code: str | None = None
    member_balance: int | None = None
    member_version: int | None = None
    overdraft: bool | None = None
    detail: str | None = None
    # Extension: the member's lifetime points right after the event (tier basis), so a
    # terminal's tier stays right without waiting for the member's next change.
    member_lifetime_points: int | None = None


class PushResponse(_Open):
    results: list[PushResult]
    terminal_watermark: int


# --- pairing ------------------------------------------------------------------------


class PairRequest(_Strict):
    pairing_code: Annotated[str, Field(min_length=1, max_length=64)]
    device_name: Annotated[str, Field(min_length=1, max_length=100)]


class StoreSettings(_Open):
    """Extension: the store settings a terminal needs, sent with pairing."""

    store_code: str
    name: str = ""
    currency: str = "CNY"
    timezone: str = "Asia/Shanghai"
    phone_region: str = "CN"
    language: str = "zh_CN"
    closing_time: str = "23:00"


class PairResponse(_Open):
    terminal_id: UUID
    store_code: str
    token: str
    member_code_prefix: str
    phone_hash_key: str
    server_time: AwareDatetime
    store: StoreSettings | None = None


# --- pull ---------------------------------------------------------------------------

Entity = Literal["member", "coupon", "staff", "program"]


class MemberData(_Open):
    member_id: UUID
    member_code: str
    display_name: str
    phone_last4: str
    phone_hash: str
    tier: str
    balance: int
    lifetime_points: int
    status: str
    phone_masked: str | None = None  # extension: e.g. 138****5678


class MemberFields(TypedDict):
    """``MemberData`` as a plain dict: the same fields and types, validated without
    building a model (a terminal bootstrapping a million members validates each once,
    straight from the JSON). tests/shared/test_phone_and_protocol.py keeps the two in step."""

    member_id: UUID
    member_code: str
    display_name: str
    phone_last4: str
    phone_hash: str
    tier: str
    balance: int
    lifetime_points: int
    status: str
    phone_masked: NotRequired[str | None]


class CouponData(_Open):
    coupon_id: UUID
    member_id: UUID
    title: str
    value_cents: int
    currency: str
    expires_at: AwareDatetime | None = None
    status: Literal["available", "redeemed", "expired", "revoked"]


class StaffData(_Open):
    staff_id: UUID
    staff_code: str
    name: str
    role: Literal["cashier", "manager"]
    pin_hash: str
    active: bool = True
    store_code: str | None = None


class Change(_Open):
    entity: Entity
    op: Literal["upsert", "delete"]
    id: str
    version: int
    data: dict[str, Any] | None = None


class ChangesResponse(_Open):
    changes: list[Change]
    cursor: str
    more: bool


# --- day close ----------------------------------------------------------------------


class DayCloseRequest(_Strict):
    business_date: date
    first_seq: Annotated[StrictInt, Field(ge=0)]
    last_seq: Annotated[StrictInt, Field(ge=0)]
    counts: dict[str, Annotated[StrictInt, Field(ge=0)]]
    points_earned: Annotated[StrictInt, Field(ge=0)]
    points_redeemed: Annotated[StrictInt, Field(ge=0)]
    amount_cents: Annotated[StrictInt, Field(ge=0)]
    event_digest: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class DayCloseResponse(_Open):
    status: Literal["matched", "pending", "mismatch"]
    missing_seqs: list[int] = Field(default_factory=list)
    details: Any = None


# --- misc ---------------------------------------------------------------------------


class Health(_Open):
    status: str
    version: str
    database: str


class Problem(_Open):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    code: str
