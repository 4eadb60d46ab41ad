"""Report figures summed by SQLite over ``local_events`` for a range of business dates.

Which events count ("standing" events): not rejected by the server, and not voided by a
void that stands itself. A voided event and its void cancel out: the voided event is
left out of every figure (whatever day it was voided on) and the void adds no points;
``voids`` only counts how many voids were made in the range. A void the server rejected
voids nothing, so its target counts again. The range is read from the covering index
``ix_local_events_report`` alone (migration 0005); the earned points returns took back
from the returns' own index (``ix_local_events_returned``, t19a).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Integer, case, cast, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql import ColumnElement

from terminal.offline.models import LocalEvent, Member

EARN = "points.earned"
REDEEM = "points.redeemed"
COUPON = "coupon.redeemed"
ENROL = "member.enrolled"
VOID = "event.voided"
ADJUST = "points.adjusted"
RETURN = "sale.returned"
TRANSACTION_TYPES = (EARN, REDEEM, COUPON)

_void = aliased(LocalEvent, name="void")


@dataclass(frozen=True, slots=True)
class Totals:
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
    points_returned: int = 0  # what the returns moved: given back less taken back
    points_taken_back: int = 0  # earned points the returns took back (``returned_points``)


@dataclass(frozen=True, slots=True)
class QuarterCount:
    """Transactions in one UTC quarter hour (``utc_hour`` is ``YYYY-MM-DDTHH``)."""

    utc_hour: str
    quarter: int
    transactions: int


@dataclass(frozen=True, slots=True)
class MemberTotals:
    member_id: str
    member_code: str
    display_name: str
    points_earned: int
    amount_cents: int


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sum(
    condition: ColumnElement[bool], value: ColumnElement[int] | InstrumentedAttribute[int]
) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _standing(date_from: str, date_to: str) -> list[ColumnElement[bool]]:
        return [
            LocalEvent.business_date >= date_from,
            LocalEvent.business_date <= date_to,
            LocalEvent.status != "rejected",
            or_(_void.event_id.is_(None), _void.status == "rejected"),
        ]

    def totals(self, date_from: str, date_to: str) -> Totals:
        """Every figure of the range in one pass over its events (ISO dates, both included)."""
        kind = LocalEvent.type
        query = (
            select(
                _count(kind.in_(TRANSACTION_TYPES)),
                _sum(kind == EARN, LocalEvent.points_delta),
                _sum(kind == REDEEM, -LocalEvent.points_delta),
                _sum(kind == EARN, func.coalesce(LocalEvent.amount_cents, 0)),
                _count(kind == ENROL),
                _count(kind == VOID),
                _count(kind == ADJUST),
                _sum(kind == ADJUST, LocalEvent.points_delta),
                _count(kind == RETURN),
                _sum(kind == RETURN, func.coalesce(LocalEvent.amount_cents, 0)),
                _sum(kind == RETURN, LocalEvent.points_delta),
            )
            .select_from(LocalEvent)
            .outerjoin(_void, _void.event_id == LocalEvent.voided_by)
            .where(*self._standing(date_from, date_to))
        )
        row = self.session.execute(query).one()
        totals = Totals(*(int(value) for value in row))
        return replace(totals, points_taken_back=self.points_taken_back(date_from, date_to))

    def points_taken_back(self, date_from: str, date_to: str) -> int:
        """Earned points the range's standing returns took back. Their ``lifetime_delta``
        is not in the report's covering index: read through ``ix_local_events_returned``,
        which holds the returns only (rare), so the range is not read twice."""
        day = func.coalesce(LocalEvent.business_date, "")  # a function: not the date index
        query = (
            select(_sum(LocalEvent.type == RETURN, -LocalEvent.lifetime_delta))
            .select_from(LocalEvent)
            .outerjoin(_void, _void.event_id == LocalEvent.voided_by)
            .where(
                LocalEvent.returned_event_id > "",  # a range the returns index answers
                day >= date_from,
                day <= date_to,
                *self._standing(date_from, date_to)[2:],
            )
        )
        return int(self.session.scalar(query) or 0)

    def transactions_by_quarter_hour(self, date_from: str, date_to: str) -> list[QuarterCount]:
        """Transactions per UTC quarter hour; the caller turns them into store hours.

        Quarter hours, not hours: a store zone may be 30 or 45 minutes off UTC.
        """
        hour = func.substr(LocalEvent.occurred_at, 1, 13)
        minute = cast(func.substr(LocalEvent.occurred_at, 15, 2), Integer)
        quarter = (minute // 15).label("quarter")
        query = (
            select(hour, quarter, func.count())
            .select_from(LocalEvent)
            .outerjoin(_void, _void.event_id == LocalEvent.voided_by)
            .where(*self._standing(date_from, date_to), LocalEvent.type.in_(TRANSACTION_TYPES))
            .group_by(hour, quarter)
        )
        return [
            QuarterCount(str(h), int(q), int(n)) for h, q, n in self.session.execute(query).all()
        ]

    def top_members(self, date_from: str, date_to: str, *, limit: int = 5) -> list[MemberTotals]:
        """Members with the most sales (earns that stand), then by member code."""
        sales = func.sum(func.coalesce(LocalEvent.amount_cents, 0)).label("sales")
        points = func.sum(LocalEvent.points_delta).label("points")
        code = func.coalesce(Member.member_code, "")
        query = (
            select(
                LocalEvent.member_id,
                code,
                func.coalesce(Member.display_name, ""),
                points,
                sales,
            )
            .select_from(LocalEvent)
            .outerjoin(_void, _void.event_id == LocalEvent.voided_by)
            .outerjoin(Member, Member.member_id == LocalEvent.member_id)
            .where(*self._standing(date_from, date_to), LocalEvent.type == EARN)
            .group_by(LocalEvent.member_id, Member.member_code, Member.display_name)
            .order_by(sales.desc(), code, LocalEvent.member_id)
            .limit(limit)
        )
        return [
            MemberTotals(str(mid), str(c), str(name), int(p), int(s))
            for mid, c, name, p, s in self.session.execute(query).all()
        ]
