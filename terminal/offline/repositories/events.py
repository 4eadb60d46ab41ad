"""Local events and their outbox rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, bindparam, case, cast, func, select
from sqlalchemy.orm import Session

from terminal.offline.models import LocalEvent, OutboxRow


@dataclass(frozen=True, slots=True)
class PendingTotals:
    """What a member's own unacknowledged events add on top of the server's figures."""

    points: int = 0
    lifetime: int = 0
    # the pending events' lifetime points by time ("occurred_at=points ..."), for a
    # tier qualified by period (shared.domain.tier_rules.till_totals); None: not read
    tier: str | None = None


# The pending events' lifetime points by time, "occurred_at=points ..." (group_concat
# leaves out the NULLs of events that moved none).
PENDING_TIER_TEXT = func.group_concat(
    case(
        (
            LocalEvent.lifetime_delta != 0,
            LocalEvent.occurred_at + "=" + cast(LocalEvent.lifetime_delta, String),
        ),
    ),
    " ",
)
_PENDING_ONE = select(
    func.coalesce(func.sum(LocalEvent.points_delta), 0),
    func.coalesce(func.sum(LocalEvent.lifetime_delta), 0),
    PENDING_TIER_TEXT,
).where(LocalEvent.member_id == bindparam("member_id"), LocalEvent.status == "pending")
_FIND_SALE = select(LocalEvent).where(
    LocalEvent.member_id == bindparam("member_id"),
    LocalEvent.type == bindparam("type"),
    LocalEvent.sale_ref == bindparam("sale_ref"),
)


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, event_id: str) -> LocalEvent | None:
        return self.session.get(LocalEvent, event_id)

    def add(self, event: LocalEvent, outbox: OutboxRow) -> None:
        """Both rows in one flush (the unit of work inserts the event before its outbox row)."""
        self.session.add_all([event, outbox])
        self.session.flush()

    def find_sale(self, member_id: str, type_: str, sale_ref: str) -> LocalEvent | None:
        params = {"member_id": member_id, "type": type_, "sale_ref": sale_ref}
        return self.session.scalars(_FIND_SALE, params).one_or_none()

    def pending_totals(self, member_id: str) -> PendingTotals:
        points, lifetime, tier = self.session.execute(_PENDING_ONE, {"member_id": member_id}).one()
        return PendingTotals(int(points), int(lifetime), tier)

    def redeemed_on(self, member_id: str, business_date: str) -> int:
        """Points this member redeemed here on a business day (not voided, not rejected)."""
        return self._moved_on(member_id, business_date, "points.redeemed")

    def adjusted_on(self, member_id: str, business_date: str) -> int:
        """Points (in absolute value) this member was adjusted by here on a business day
        (not voided, not rejected): what counts against the program's daily limit."""
        return self._moved_on(member_id, business_date, "points.adjusted")

    def _moved_on(self, member_id: str, business_date: str, type_: str) -> int:
        total = self.session.scalar(
            select(func.coalesce(func.sum(func.abs(LocalEvent.points_delta)), 0)).where(
                LocalEvent.business_date == business_date,
                LocalEvent.member_id == member_id,
                LocalEvent.type == type_,
                LocalEvent.voided_by.is_(None),
                LocalEvent.status != "rejected",
            )
        )
        return int(total or 0)

    def active_coupon_redemption(self, coupon_id: str) -> LocalEvent | None:
        """A local redemption of this coupon that still stands (pending or acknowledged)."""
        return self.session.scalars(
            select(LocalEvent).where(
                LocalEvent.coupon_id == coupon_id,
                LocalEvent.type == "coupon.redeemed",
                LocalEvent.voided_by.is_(None),
                LocalEvent.status != "rejected",
            )
        ).first()

    def for_member(self, member_id: str, *, limit: int = 100) -> Sequence[LocalEvent]:
        return self.session.scalars(
            select(LocalEvent)
            .where(LocalEvent.member_id == member_id)
            .order_by(LocalEvent.seq.desc())
            .limit(limit)
        ).all()

    def with_status(self, status: str, *, limit: int = 500) -> Sequence[LocalEvent]:
        return self.session.scalars(
            select(LocalEvent)
            .where(LocalEvent.status == status)
            .order_by(LocalEvent.seq)
            .limit(limit)
        ).all()

    def outbox(self, seq: int) -> OutboxRow | None:
        return self.session.get(OutboxRow, seq)

    def outbox_for_event(self, event_id: str) -> OutboxRow | None:
        return self.session.scalars(
            select(OutboxRow).where(OutboxRow.event_id == event_id)
        ).one_or_none()

    def pending_outbox(self, limit: int) -> Sequence[OutboxRow]:
        return self.session.scalars(
            select(OutboxRow)
            .where(OutboxRow.status == "pending")
            .order_by(OutboxRow.seq)
            .limit(limit)
        ).all()

    def outbox_counts(self) -> dict[str, int]:
        rows = self.session.execute(
            select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
        ).all()
        counts = {"pending": 0, "acknowledged": 0, "rejected": 0}
        counts.update({status: int(n) for status, n in rows})
        return counts

    def max_seq(self) -> int:
        return int(self.session.scalar(select(func.coalesce(func.max(LocalEvent.seq), 0))) or 0)
