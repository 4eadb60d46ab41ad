"""The typed, frozen states of a push: what the loader reads, what the ledger decides.

A push runs in three steps (docs/ARCHITECTURE_push.md):

1. ``push_loader.load`` locks and reads everything a batch needs into a :class:`Loaded`;
2. ``ledger.apply_batch`` (pure: no session, no SQL) turns it and the incoming events
   into a :class:`LedgerResult` (one :class:`Answer` per event, the new states);
3. ``push_writer.write`` persists that result in the same transaction.

Nothing here is a row dict: mypy checks every field the ledger reads or writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from shared.domain.business_day import business_date
from shared.domain.program import LoyaltyProgram
from shared.domain.program_schedule import Rollout
from shared.protocol import (
    CouponRedeemedData,
    EventVoidedData,
    MemberCardReplacedData,
    MemberEnrolledData,
    MemberUpdatedData,
    PointsAdjustedData,
    PointsEarnedData,
    PointsRedeemedData,
    SaleReturnedData,
)
from sync_server.services.sale_returns import SaleEvent

EventData = (
    MemberEnrolledData
    | MemberUpdatedData
    | PointsEarnedData
    | PointsRedeemedData
    | CouponRedeemedData
    | PointsAdjustedData
    | EventVoidedData
    | MemberCardReplacedData
    | SaleReturnedData
)


@dataclass(frozen=True)
class PushLimits:
    """The server's settings for the push guard's checks (see sync_server.config.Settings)."""

    seq_window: int = 10_000
    max_age: timedelta = timedelta(days=30)
    max_ahead: timedelta = timedelta(hours=24)


DATA_MODELS: dict[str, type[EventData]] = {
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


@dataclass(frozen=True, slots=True)
class Incoming:
    """One pushed event, decoded once (outside the transaction): its typed data, its
    canonical JSON text (stored as the payload) and that text's hash (idempotency)."""

    event_id: str
    seq: int
    type: str
    occurred_at: datetime
    staff_id: str | None
    member_id: str
    data: EventData
    text: str
    content_hash: str


# --- what the loader reads -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TerminalState:
    id: str
    store_code: str
    watermark: int
    max_seq: int  # the highest seq ever received (a high-water mark)


@dataclass(frozen=True, slots=True)
class StoreState:
    """The terminal's store and the deployment: what the rules need besides rows."""

    code: str
    phone_region: str
    phone_key: bytes
    timezone: str
    closing_time: str
    latest_program: int  # the version in force for this store now (staged ones wait)
    currency: str = "CNY"  # the store's: coupons are checked and points valued in it

    def business_day(self, moment: datetime) -> date:
        return business_date(moment, self.timezone, self.closing_time)


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    """The first outcome of an event already in the ledger (what a re-push repeats)."""

    content_hash: str
    status: str
    code: str | None
    member_balance: int | None
    member_version: int | None
    overdraft: bool


@dataclass(frozen=True, slots=True)
class VoidTarget:
    """An event a void may name: a stored ledger row, or an event of this batch."""

    event_id: str
    type: str
    member_id: str
    status: str
    points_delta: int
    lifetime_delta: int
    voided_by: str | None
    coupon_id: str | None  # a coupon.redeemed event's coupon
    amount_cents: int = 0  # a points.earned event's sale amount (the dashboard's sales)


@dataclass(frozen=True, slots=True)
class MemberProfile:
    """A member's columns that only enrolment and member.updated change."""

    member_code: str
    name: str
    phone_e164: str | None
    phone_hash: str
    phone_last4: str
    phone_masked: str
    phone_slow_hash: str
    email: str | None
    birthday: date | None
    consent_marketing: bool
    store_code: str | None
    enrolled_at: datetime
    consent_marketing_at: datetime | None = None  # s19b
    previous_codes: str = ""  # s19b: replaced card codes, newest first, space-separated
    merged_into: str | None = None  # s20g: a merged member's survivor
    merged_codes: str = ""  # s20g: codes of the members merged into this one


@dataclass(frozen=True, slots=True)
class MemberState:
    id: str
    profile: MemberProfile
    balance: int
    lifetime_points: int
    tier: str
    status: str
    version: int
    updated_at: datetime
    tier_points: str = ""  # s20e: monthly earned totals that still count toward a tier
    tier_until: date | None = None  # s20e: the last day the tier is kept (None: not by time)


@dataclass(frozen=True, slots=True)
class CouponState:
    id: str
    member_id: str
    title: str
    value_cents: int
    currency: str
    expires_at: datetime | None
    status: str
    redeemed_event_id: str | None
    version: int
    terms: str | None = None  # s20d: CouponTerms JSON, for the coupons that have terms
    code: str | None = None  # s20d: a paper coupon's code
    created_at: datetime | None = None  # when it was issued (the dashboard's coupon figures)


@dataclass(frozen=True, slots=True)
class StaffState:
    id: str
    role: str
    active: bool
    store_code: str | None


# (member_id, event type, business day): points an accepted redemption or adjustment
# moved that day (the guard's daily limits).
DayKey = tuple[str, str, date]


@dataclass(frozen=True, slots=True)
class Loaded:
    """Everything one push's ledger run reads, locked where it will be written."""

    terminal: TerminalState
    store: StoreState
    programs: Mapping[int, LoyaltyProgram]
    now: datetime
    limits: PushLimits
    known: Mapping[str, StoredOutcome]  # events of this push already in the ledger
    members: Mapping[str, MemberState]  # locked
    codes_taken: frozenset[str]  # member codes of this push's enrolments already in use
    targets: Mapping[str, VoidTarget]  # stored events this push's voids name
    coupons: Mapping[str, CouponState]  # locked
    staff: Mapping[str, StaffState]  # named by adjustments and voids
    moved: Mapping[DayKey, int]  # the guard's daily counters before this push
    # Lifetime points voids took back before this push, for the members whose earn
    # claims may need it (ledger.needs_voided_lifetime); absent members are not needed.
    voided_lifetime: Mapping[str, int]
    held_seqs: frozenset[int]  # stored seqs above the watermark (only when there is a gap)
    # (member, promotion) -> (earn, business day) of its earlier earns that received
    # it, for the limited promotions this push's earns name (promotion_triggers)
    triggers: Mapping[tuple[str, str], tuple[tuple[str, date], ...]] = field(default_factory=dict)
    # Returns (sale_returns.py): stored events of the sales this push's returns name,
    # and how much of the sale of each of those events (and of the events this push's
    # voids name) was returned before this push.
    sales: Mapping[str, SaleEvent] = field(default_factory=dict)
    returned: Mapping[str, int] = field(default_factory=dict)
    # Phone hashes this push's profile changes ask for -> the members holding each now
    # (a phone another member holds is refused ``phone_in_use``).
    phones_held: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Members merged at head office -> the member that absorbed each (s20g): an event a
    # till made against a merged member is applied to the survivor (read only when a
    # push names a merged member; the survivors are locked with the others).
    merged: Mapping[str, str] = field(default_factory=dict)
    # The program roll-outs reaching this store, read when an earn claims a version not
    # published to every store at once (None: every claimed version was).
    rollouts: tuple[Rollout, ...] | None = None

    @property
    def current_program(self) -> LoyaltyProgram:
        return self.programs[self.store.latest_program]


# --- what the ledger decides -----------------------------------------------------------

Status = Literal["accepted", "rejected"]


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    member_id: str
    code: str | None = None  # a rejection's code, or an accepted event's flag
    detail: str | None = None
    balance: int | None = None
    version: int | None = None  # an absolute version, or
    slot: int | None = None  # a slot of this push's versions (base + slot)
    overdraft: bool = False
    points_delta: int = 0
    lifetime_delta: int = 0
    lifetime_points: int | None = None
    # (tier before, tier after) when the event moved the member's tier (s20e)
    tier_moved: tuple[str, str] | None = None


AnswerKind = Literal["new", "repeat", "stored", "conflict"]


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to one pushed event: ``new`` (applied now), ``repeat`` (a second copy
    in this push), ``stored`` (applied by an earlier push) or ``conflict`` (same id,
    other content)."""

    kind: AnswerKind
    event: Incoming
    outcome: Outcome | None = None  # new and repeat
    stored: StoredOutcome | None = None  # stored


@dataclass(frozen=True, slots=True)
class Applied:
    """A fresh event and its outcome: one ledger row."""

    event: Incoming
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class VersionedChange:
    """The latest change of an entity in this push: it gets version ``base + slot``."""

    entity: Literal["member", "coupon"]
    entity_id: str
    slot: int


@dataclass(frozen=True, slots=True)
class LedgerResult:
    answers: tuple[Answer, ...]
    applied: tuple[Applied, ...]
    members: Mapping[str, MemberState]  # the new state of every member this push changed
    new_members: frozenset[str]
    profile_changed: frozenset[str]  # existing members whose profile changed
    coupons: Mapping[str, CouponState]  # the new state of every coupon this push changed
    voided: tuple[tuple[str, str], ...]  # (voided event id, voiding event id)
    changes: tuple[VersionedChange, ...]
    slot_count: int
    terminal: TerminalState  # with the new watermark and high-water mark
    missing_seqs: tuple[int, ...]
    # Rows other parts of the product add to this transaction (an outbox of domain
    # events, daily roll-ups): typed records, written by push_writer's sinks.
    extra: tuple[object, ...] = field(default=())
