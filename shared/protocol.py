"""Pydantic models of the sync protocol (../shared/PROTOCOL.md, v1).

These are the wire contract between terminals and the sync server. Extensions to v1
are additive and optional; every field PROTOCOL.md names keeps its meaning.

Conventions: money is ``amount_cents`` (int) plus ISO 4217 ``currency``; points are
ints (strict: ``12.0`` or ``"12"`` is refused); times carry an offset; ids are UUIDs.
``phone_hash_key`` is a hex string; the HMAC key is its decoded bytes.

Every number and date a client sends has a range (docs/SYNC_SERVER.md, "Ranges"):
out of range is a 422 problem document, never a server error.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import (
    Annotated,
    Any,
    Literal,
    NotRequired,  # pydantic needs these on 3.11
    get_args,
    get_origin,
    get_type_hints,
)
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    create_model,
    field_validator,
    model_validator,
)
from typing_extensions import TypedDict

from shared.domain.business_day import MAX_DAY, MIN_DAY
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
    "member.card_replaced",
    "sale.returned",  # extension (docs/SYNC_SERVER.md, "Returns")
]
VOIDABLE_TYPES: frozenset[str] = frozenset(
    {"points.earned", "points.redeemed", "points.adjusted", "coupon.redeemed"}
)

# Ranges (PROTOCOL extension). Seqs stay exact in every JSON reader (2^53) and fit the
# server's BIGINT; points and money far above any real balance or sale, far below
# what 64-bit columns hold even when summed over a member's whole history.
MAX_SEQ = 2**53
MAX_POINTS = 10**9
MAX_CENTS = 10**12
MAX_RULE_VERSION = 2**31 - 1
MIN_DATE = MIN_DAY
MAX_DATE = MAX_DAY


def _representable(moment: datetime) -> datetime:
    """An aware time that stays a datetime once converted to UTC (``0001-01-01T00:00+14:00``
    does not) and lies within MIN_DATE..MAX_DATE. The value keeps its own offset."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is outside the range a date can hold") from None
    if not MIN_DATE <= utc.date() <= MAX_DATE:
        raise ValueError(f"the time must lie between {MIN_DATE} and {MAX_DATE}")
    return moment


def _in_date_range(day: date) -> date:
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(f"the date must lie between {MIN_DATE} and {MAX_DATE}")
    return day


Moment = Annotated[AwareDatetime, AfterValidator(_representable)]
Day = Annotated[date, AfterValidator(_in_date_range)]
Seq = Annotated[StrictInt, Field(ge=1, le=MAX_SEQ)]
SeqOrZero = Annotated[StrictInt, Field(ge=0, le=MAX_SEQ)]
Points = Annotated[StrictInt, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
PositivePoints = Annotated[StrictInt, Field(gt=0, le=MAX_POINTS)]
Cents = Annotated[StrictInt, Field(ge=0, le=MAX_CENTS)]
PositiveCents = Annotated[StrictInt, Field(gt=0, le=MAX_CENTS)]
RuleVersion = Annotated[StrictInt, Field(ge=1, le=MAX_RULE_VERSION)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_SEQ)]
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
    birthday: Day | None = None
    consent_marketing: StrictBool


class MemberUpdatedData(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    phone: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    birthday: Day | None = None
    consent_marketing: StrictBool | None = None


class PointsEarnedData(_Strict):
    sale_ref: ShortText
    amount_cents: PositiveCents
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    points: Annotated[StrictInt, Field(ge=0, le=MAX_POINTS)]
    rule_version: RuleVersion
    # Extension (docs/PROGRAM.md): the codes of the promotions the till applied, in the
    # program's order; absent when none did (the server then weighs the base earn).
    promotions: (
        Annotated[
            tuple[Annotated[str, Field(min_length=1, max_length=32)], ...],
            Field(min_length=1, max_length=50),
        ]
        | None
    ) = None


class PointsRedeemedData(_Strict):
    sale_ref: ShortText
    points: PositivePoints
    value_cents: Cents
    # Extension: the sale amount lets the server check the 50 % cap.
    sale_amount_cents: PositiveCents | None = None
    # Extension (issue 16): true when the till was offline (the server re-checks the
    # offline daily cap over that till's redemptions); absent when online.
    offline: StrictBool | None = None


CouponCode = Annotated[str, Field(pattern=r"^[A-Z0-9]{6,24}$")]


class CouponRedeemedData(_Strict):
    coupon_id: UUID
    sale_ref: ShortText
    # Extensions (issue 16, docs/PROGRAM.md "Coupons"): the code typed or scanned, the
    # sale it was used on and what it took off (the server re-checks the coupon's terms
    # with shared.domain.coupons), and whether the till was offline (a second use of a
    # coupon is then accepted, the goods having left, and flagged ``coupon_reused``).
    code: CouponCode | None = None
    sale_amount_cents: PositiveCents | None = None
    discount_cents: Cents | None = None
    offline: StrictBool | None = None


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


class MemberCardReplacedData(_Strict):
    """Extension: a lost card's replacement; ``member_code`` is the new card's code
    (minted by the till like an enrolment's), the old code stops working everywhere."""

    member_code: Annotated[str, Field(min_length=1, max_length=16)]


class SaleReturnedData(_Strict):
    """Extension: all or part of a sale brought back (docs/SYNC_SERVER.md, "Returns").
    ``sale_event_id`` names the sale's ``points.earned`` event (or its
    ``points.redeemed`` event when it earned nothing): the key of every return of that
    sale, from any terminal. The points are what the till computed; the server decides
    them again from every return of the sale it holds."""

    sale_ref: ShortText
    sale_event_id: UUID
    redeemed_event_id: UUID | None = None
    coupon_event_id: UUID | None = None
    amount_cents: PositiveCents
    points_taken: Annotated[StrictInt, Field(ge=0, le=MAX_POINTS)] = 0
    points_given: Annotated[StrictInt, Field(ge=0, le=MAX_POINTS)] = 0


EVENT_DATA_MODELS: dict[str, type[BaseModel]] = {
    "member.enrolled": MemberEnrolledData,
    "member.updated": MemberUpdatedData,
    "points.earned": PointsEarnedData,
    "points.redeemed": PointsRedeemedData,
    "coupon.redeemed": CouponRedeemedData,
    "points.adjusted": PointsAdjustedData,
    "event.voided": EventVoidedData,
    "member.card_replaced": MemberCardReplacedData,
    "sale.returned": SaleReturnedData,
}


class Event(_Strict):
    event_id: UUID
    terminal_id: UUID
    seq: Seq
    type: EventType
    occurred_at: Moment
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
        # Extensions of the rogue-till checks (docs/SYNC_SERVER.md, "Limits").
        "occurred_at_out_of_window",
        "staff_not_authorised",
        "adjustment_over_limit",
        "adjustment_daily_limit",
        # Extensions of returns (docs/SYNC_SERVER.md, "Returns").
        "unknown_sale",
        "sale_voided",
        # Extension of members at the till: a new phone another member holds.
        "phone_in_use",
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
    # Extension: an accepted event head office must review (a redemption beyond the
    # program's limits: ``redemption_over_limit``, ``redemption_daily_limit``; a coupon
    # used twice offline: ``coupon_reused``; a coupon's terms broken: ``coupon_*``).
    flag: str | None = None


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

# "store": a store's settings (``StoreSettings``), received by that store's tills only
# when head office changes them (extension).
Entity = Literal["member", "coupon", "staff", "program", "store"]


# The member and coupon data a terminal pulls, described once each as a TypedDict: the
# server builds it (``sync_server/services/common.py``: ``member_data``, ``coupon_data``
# return these), the terminal reads it (``terminal/offline/pages.py`` validates pulled
# upserts straight into these dicts: a bootstrap validates a million members, each once,
# without building a model). The server builds the JSON form: ids and times as text,
# which the terminal reads back as ``UUID`` and aware ``datetime``.
# ``tests/contract/test_pulled_shapes.py`` keeps what the server sends and what the
# terminal reads in step.


class MemberFields(TypedDict):
    """What a terminal may hold of a member (PROTOCOL.md): no full phone, e-mail or birthday."""

    member_id: UUID
    member_code: str
    display_name: str
    phone_last4: str
    # Sent empty since server migration s11c: with the deployment key, an HMAC and the
    # last 4 digits gave the full number in ~10^4 guesses (docs/HEAD_OFFICE.md).
    phone_hash: str
    tier: str
    balance: int
    lifetime_points: int
    status: str
    phone_masked: NotRequired[str | None]  # extension; last 4 only since s11c (****5678)
    # extension (s11c): shared.domain.phone.phone_slow_hash of the E.164 number
    phone_slow_hash: NotRequired[str | None]
    # extension (s19b): codes of the member's replaced cards, newest first; sent only
    # when there are some. A till answers a scan of one with "this card was replaced".
    previous_codes: NotRequired[list[str]]
    # extension (s20g): codes of the members head office merged into this one (their
    # cards and the cards they had replaced); sent only when there are some. A till
    # answers a scan of one with this member, noting the merge. The merged member itself
    # comes as a ``delete`` whose data is ``{"merged_into": member_id}``.
    merged_codes: NotRequired[list[str]]
    # extension (s20e): sent only for a program whose tiers go by period
    # (shared.domain.tier_rules): the last day the member's tier is kept (ISO date; absent
    # or null: not lost by time) and the monthly earned totals that still count toward a
    # tier ("24311:120 24312:40"), from which a till computes the tier after its own earns.
    tier_until: NotRequired[str | None]
    tier_points: NotRequired[str]


CouponStatus = Literal["available", "redeemed", "expired", "revoked"]


class CouponFields(TypedDict):
    """A member's coupon as a terminal holds it."""

    coupon_id: UUID
    member_id: UUID
    title: str
    value_cents: int
    currency: str
    expires_at: NotRequired[AwareDatetime | None]
    status: CouponStatus
    # extension (s20d): a paper coupon's code (typed or scanned as CPN:<code>), and the
    # coupon's terms (shared.domain.coupons.CouponTerms as JSON); absent for a coupon of
    # the original kind (fixed value_cents until expires_at).
    code: NotRequired[str | None]
    terms: NotRequired[dict[str, Any] | None]


def _model_of(name: str, fields: Any) -> type[BaseModel]:
    """The pydantic model of a TypedDict's shape (same fields, types and optional ones;
    an optional field defaults to None), so that the shape is written only once."""
    definitions: dict[str, Any] = {}
    # Read from the hints: with postponed annotations ``__required_keys__`` cannot see
    # ``NotRequired`` (pydantic reads it from the hints too).
    for key, hint in get_type_hints(fields, include_extras=True).items():
        if get_origin(hint) is NotRequired:
            definitions[key] = (get_args(hint)[0], None)
        else:
            definitions[key] = (hint, ...)
    model: type[BaseModel] = create_model(name, __base__=_Open, **definitions)
    model.__doc__ = f"``{fields.__name__}`` as a model (for a caller that wants one)."
    return model


MemberData = _model_of("MemberData", MemberFields)
CouponData = _model_of("CouponData", CouponFields)


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
    # Extension, programs only: the till applies this version from this time (absent:
    # at once). A scheduled version arrives ahead, so an offline till applies it on time.
    effective_from: AwareDatetime | None = None


class ChangesResponse(_Open):
    changes: list[Change]
    cursor: str
    more: bool


# --- day close ----------------------------------------------------------------------


class SaleFound(_Open):
    """Extension: a sale a till may return (``GET /v1/sales?sale_ref=``, docs/SYNC_SERVER.md,
    "Returns"). ``sale_event_id`` is what a ``sale.returned`` event names; the amounts
    and points are the sale's, ``returned_cents`` what every return so far took back."""

    sale_ref: str
    sale_event_id: UUID
    member_id: UUID
    member_code: str
    member_name: str
    store_code: str | None = None
    terminal_id: UUID | None = None
    occurred_at: datetime
    amount_cents: int
    points_earned: int = 0
    redeemed_event_id: UUID | None = None
    points_redeemed: int = 0
    coupon_event_id: UUID | None = None
    coupon_id: UUID | None = None
    returned_cents: int = 0
    voided: bool = False


class SalesResponse(_Open):
    sales: list[SaleFound]


class StoreFigures(_Open):
    """Extension: a store's figures across all its tills (``GET /v1/store-report``):
    one business date, or the whole range (``business_date`` null). Events that stand
    count: accepted and not voided; a transaction is an earn, redemption or coupon use."""

    business_date: date | None = None
    transactions: int = 0
    points_earned: int = 0
    points_redeemed: int = 0
    member_sales_cents: int = 0
    enrollments: int = 0
    voids: int = 0
    adjustments: int = 0
    points_adjusted: int = 0
    returns: int = 0
    returned_cents: int = 0


class StoreReport(_Open):
    store_code: str
    date_from: date
    date_to: date
    terminals: int  # tills of the store with events in the range
    total: StoreFigures
    days: list[StoreFigures]


class DayCloseRequest(_Strict):
    business_date: Day
    first_seq: SeqOrZero
    last_seq: SeqOrZero
    counts: Annotated[dict[Annotated[str, Field(max_length=32)], Count], Field(max_length=64)]
    points_earned: Count
    points_redeemed: Count
    amount_cents: Count
    event_digest: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class DayCloseResponse(_Open):
    status: Literal["matched", "pending", "mismatch"]
    missing_seqs: list[int] = Field(default_factory=list)
    details: Any = None


# --- staff alerts (extension) -------------------------------------------------------


class StaffAlertRequest(_Strict):
    """Extension: ``POST /v1/alerts``, something head office should know about a staff
    account at this terminal (today: wrong manager PINs typed to approve an operation)."""

    alert_id: UUID
    type: Literal["staff.approval_pins_failed"]
    occurred_at: AwareDatetime
    staff_id: UUID
    staff_code: Annotated[str, Field(min_length=1, max_length=32)]
    attempts: Annotated[StrictInt, Field(ge=1)]
    pause_seconds: Annotated[StrictInt, Field(ge=0)]


class StaffAlertResponse(_Open):
    status: Literal["accepted", "duplicate"]


# --- a member's history and expiring points (extension) ------------------------------

MAX_HISTORY = 50  # the most a member summary lists


class HistoryItem(_Open):
    """One accepted transaction of the member, at any till of any store."""

    event_id: str
    type: str
    occurred_at: AwareDatetime
    points_delta: int
    store_code: str | None = None
    amount_cents: int | None = None
    sale_ref: str | None = None
    voided: bool = False


class ExpiringPoints(_Open):
    """Points of the balance that expire at ``expires_at`` unless spent before."""

    points: int
    expires_at: AwareDatetime


class MemberSummary(_Open):
    """Extension: ``GET /v1/members/{member_id}/summary``: the member's latest
    transactions everywhere (newest first) and what of the balance expires when (soonest
    first), as head office knows them at ``as_of``."""

    member_id: str
    as_of: AwareDatetime
    balance: int
    history: list[HistoryItem] = Field(default_factory=list)
    expiring: list[ExpiringPoints] = Field(default_factory=list)


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
