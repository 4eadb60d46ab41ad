"""Manager reports over this terminal's own events, summed by SQLite.

What counts (see ``terminal.offline.repositories.reports``): events of the business
dates in the range that stand now, i.e. not rejected by the server and not voided. A
voided event and its void cancel out: neither adds points, sales or a transaction, and
the void is only counted under ``voids`` (on the business date it was made). Returns
are counted apart (``returns``, the amount returned, the points they moved and the
earned points they took back); the returned sales' earns and redemptions keep their
figures. A transaction is one earn, redemption or coupon use. The hourly chart is in the store's
time zone (by the moment of each event, while the business date decides the range).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.domain.business_day import business_date, store_zone
from terminal.offline.repositories import QuarterCount, ReportRepository, StoreRepository
from terminal.services.base import Service, require_manager
from terminal.services.errors import InvalidInput
from terminal.services.views import ReportView, StaffSession, TopMember

TOP_MEMBERS = 5
MAX_DAYS = 366


def store_hours(quarters: list[QuarterCount], zone: ZoneInfo) -> tuple[int, ...]:
    """Per-UTC-quarter-hour counts folded into 24 local hours of ``zone``."""
    hours = [0] * 24
    for bucket in quarters:
        start = datetime.fromisoformat(f"{bucket.utc_hour}:00").replace(tzinfo=UTC)
        local = (start + timedelta(minutes=15 * bucket.quarter)).astimezone(zone)
        hours[local.hour] += bucket.transactions
    return tuple(hours)


class ReportService(Service):
    def today(self) -> date:
        """The store's current business date (its time zone and closing time, not the
        computer's calendar): what "today" means on a report."""
        with self.replica.read() as session:
            store = StoreRepository(session).get()
            zone = store.timezone if store is not None else "UTC"
            closing = store.closing_time if store is not None else "23:00"
        return business_date(self.clock(), zone, closing)

    def summary(self, manager: StaffSession, date_from: date, date_to: date) -> ReportView:
        """The figures of business dates ``date_from`` to ``date_to`` (both included)."""
        if not isinstance(date_from, date) or not isinstance(date_to, date):
            raise InvalidInput("A report needs two dates.")
        if date_from > date_to:
            raise InvalidInput("The report starts after it ends.")
        if (date_to - date_from).days >= MAX_DAYS:
            raise InvalidInput(f"A report covers at most {MAX_DAYS} days.", max_days=MAX_DAYS)
        low, high = date_from.isoformat(), date_to.isoformat()
        with self.replica.read() as session:
            require_manager(session, manager)
            store = StoreRepository(session).get()
            zone = store_zone(store.timezone if store is not None else "UTC")
            reports = ReportRepository(session)
            totals = reports.totals(low, high)
            quarters = reports.transactions_by_quarter_hour(low, high)
            top = reports.top_members(low, high, limit=TOP_MEMBERS)
        return ReportView(
            date_from=date_from,
            date_to=date_to,
            transactions=totals.transactions,
            points_earned=totals.points_earned,
            points_redeemed=totals.points_redeemed,
            member_sales_cents=totals.member_sales_cents,
            enrollments=totals.enrollments,
            voids=totals.voids,
            adjustments=totals.adjustments,
            points_adjusted=totals.points_adjusted,
            returns=totals.returns,
            returned_cents=totals.returned_cents,
            points_returned=totals.points_returned,
            points_taken_back=totals.points_taken_back,
            hourly_transactions=store_hours(quarters, zone),
            top_members=tuple(
                TopMember(m.member_code, m.display_name, m.points_earned, m.amount_cents)
                for m in top
            ),
        )
