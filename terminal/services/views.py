"""What services return: plain frozen dataclasses, no ORM objects leak out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from shared.domain.coupons import CouponTerms
from shared.domain.phone import mask_last4
from shared.domain.program import LoyaltyProgram
from shared.domain.tier_rules import till_totals
from terminal.offline.models import Coupon, LocalEvent, Member
from terminal.offline.repositories import PendingTotals
from terminal.offline.repositories.hot import MemberRow


@dataclass(frozen=True, slots=True)
class MemberView:
    member_id: str
    member_code: str
    display_name: str
    phone_masked: str  # ****5678: a till knows only the last 4 digits
    tier: str
    status: str
    server_balance: int
    pending_points: int
    balance: int  # displayed: server balance + own events not yet acknowledged
    lifetime_points: int  # including pending local earns
    # The code that was scanned when head office had merged its member into this one
    # (the till shows "card … was merged into this member"); None otherwise.
    merged_code: str | None = None
    # the last day ``tier`` is kept (shared.domain.tier_rules); None: not lost by time
    tier_until: date | None = None

    @classmethod
    def build(
        cls,
        member: Member,
        pending: PendingTotals,
        program: LoyaltyProgram,
        today: date | None = None,
    ) -> MemberView:
        return cls.from_row(
            (
                member.member_id,
                member.member_code,
                member.display_name,
                member.phone_last4,
                member.status,
                member.balance,
                member.lifetime_points,
                pending.points,
                pending.lifetime,
                member.tier_points,
                pending.tier,
            ),
            program,
            today,
        )

    @classmethod
    def from_row(
        cls, row: MemberRow, program: LoyaltyProgram, today: date | None = None
    ) -> MemberView:
        """From the plain row of ``terminal.offline.repositories.hot``. ``today``: the
        UTC day a tier qualified by period is counted on (now if not given)."""
        member_id, code, name, last4, status, balance, lifetime, pending, pending_life = row[:9]
        lifetime += pending_life
        tier, until = till_tier(program, lifetime, row[9], row[10], pending_life, today)
        return cls(
            member_id=member_id,
            member_code=code,
            display_name=name,
            phone_masked=mask_last4(last4),
            tier=tier,
            status=status,
            server_balance=balance,
            pending_points=pending,
            balance=balance + pending,
            lifetime_points=lifetime,
            tier_until=until,
        )


def till_tier(
    program: LoyaltyProgram,
    lifetime: int,
    server_totals: str | None,
    pending: str | None,
    pending_lifetime: int,
    today: date | None,
) -> tuple[str, date | None]:
    """The member's tier at this till and the last day it is kept: by lifetime points
    (with pending earns) for a lifetime program, else by the server's monthly totals
    and this till's pending events (``shared.domain.tier_rules``)."""
    if not program.rules_for_tiers.by_period:
        return program.tier_for(lifetime).code, None
    day = today or datetime.now(UTC).date()
    totals = till_totals(server_totals, pending, pending_lifetime, day)
    tier, standing = program.standing(totals, day)
    return tier.code, standing.kept_until


def tier_basis(program: LoyaltyProgram, view: MemberView) -> int:
    """The points ``LoyaltyProgram.points_for_sale`` takes for this member's tier: its
    lifetime points, or under a program qualified by period the threshold of the tier
    it holds (never above its lifetime points' tier, so the server's check accepts it)."""
    if not program.rules_for_tiers.by_period:
        return view.lifetime_points
    held = next(t for t in program.tiers if t.code == view.tier)
    return held.min_lifetime_points


@dataclass(frozen=True, slots=True)
class MemberPage:
    items: tuple[MemberView, ...]
    page: int
    has_more: bool


@dataclass(frozen=True, slots=True)
class CouponView:
    coupon_id: str
    member_id: str
    title: str
    value_cents: int
    currency: str
    expires_at: str | None
    status: str
    code: str | None = None  # a paper coupon's code (t20d)
    terms: CouponTerms | None = None  # None: the original kind (fixed value, expiry)

    @classmethod
    def build(cls, coupon: Coupon) -> CouponView:
        return cls(
            coupon_id=coupon.coupon_id,
            member_id=coupon.member_id,
            title=coupon.title,
            value_cents=coupon.value_cents,
            currency=coupon.currency,
            expires_at=coupon.expires_at,
            status=coupon.status,
            code=coupon.code,
            terms=stored_terms(coupon.terms),
        )


def stored_terms(text: str | None) -> CouponTerms | None:
    """A coupon's terms as the replica holds them (JSON), for display; None when it has
    none or they are unreadable (the sales service then refuses the coupon)."""
    if not text:
        return None
    try:
        return CouponTerms.model_validate_json(text)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class EventView:
    event_id: str
    seq: int
    type: str
    member_id: str
    occurred_at: str
    business_date: str
    staff_id: str | None
    points_delta: int
    amount_cents: int | None
    sale_ref: str | None
    voided_by: str | None
    status: str
    rejection_code: str | None = None

    @classmethod
    def build(cls, event: LocalEvent, rejection_code: str | None = None) -> EventView:
        return cls(
            event_id=event.event_id,
            seq=event.seq,
            type=event.type,
            member_id=event.member_id,
            occurred_at=event.occurred_at,
            business_date=event.business_date,
            staff_id=event.staff_id,
            points_delta=event.points_delta,
            amount_cents=event.amount_cents,
            sale_ref=event.sale_ref,
            voided_by=event.voided_by,
            status=event.status,
            rejection_code=rejection_code,
        )


@dataclass(frozen=True, slots=True)
class Receipt:
    """The outcome of one operation: the event written and the member right after it."""

    event_id: str
    seq: int
    type: str
    points_delta: int
    value_cents: int | None
    member: MemberView


@dataclass(frozen=True, slots=True)
class StaffSession:
    """A signed-in staff member (or a manager's one-off approval)."""

    staff_id: str
    staff_code: str
    name: str
    role: str
    signed_in_at: datetime

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


@dataclass(frozen=True, slots=True)
class OutboxSummary:
    pending: int
    acknowledged: int
    rejected: int
    oldest_pending_seq: int | None
    last_sync_at: str | None
    online: bool


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What the till shows about its store and itself (defaults: not paired yet)."""

    store_code: str = ""
    name: str = ""
    currency: str = "CNY"
    language: str = "zh_CN"
    timezone: str = "UTC"  # the store's clock: every time the till shows is on it
    terminal_id: str = ""
    server_url: str = ""


@dataclass(frozen=True, slots=True)
class TopMember:
    member_code: str
    name: str
    points_earned: int
    amount_cents: int


def _no_hours() -> tuple[int, ...]:
    return (0,) * 24


@dataclass(frozen=True, slots=True)
class ReportView:
    """Figures for a business-date range (both ends included); see ``ReportService``."""

    date_from: date
    date_to: date
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
    points_returned: int = 0  # given back less taken back
    points_taken_back: int = 0
    hourly_transactions: tuple[int, ...] = field(default_factory=_no_hours)  # store hours
    top_members: tuple[TopMember, ...] = ()

    @property
    def points_given_back(self) -> int:
        """Redeemed points the returns gave back to members."""
        return self.points_returned + self.points_taken_back
