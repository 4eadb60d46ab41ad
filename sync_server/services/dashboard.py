"""The dashboard's figures for a chain or a store over a date range, beside the range
just before it (docs/DASHBOARD.md). Reads the daily roll-ups only, never the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from shared.domain.program import LoyaltyProgram, add_months
from sync_server.db import Database
from sync_server.repositories import catalog
from sync_server.repositories import dashboard as repo
from sync_server.services.dashboard_rollup import BUYERS, REPEAT_BUYERS

MAX_DAYS = 366
# Longer ranges are charted (and listed) by month.
DAILY_SERIES_DAYS = 92


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The range of the same length that ends the day before this one starts."""
        last = self.first - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last)

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]


@dataclass
class Figures:
    """One period's figures (the dashboard shows two: the range and the one before)."""

    members: int = 0
    tier_members: int = 0  # the change in members over the range
    new_members: int = 0
    active_30: int = 0
    active_90: int = 0
    daily_active: float = 0.0  # average per day of the range
    points_issued: int = 0
    points_redeemed: int = 0
    points_adjusted: int = 0
    points_expired: int = 0
    points_returned: int = 0
    sales_count: int = 0
    redemptions: int = 0
    coupons_used: int = 0
    returns: int = 0
    at_risk: int = 0  # members newly at risk of churning within the range
    won_back: int = 0  # those of them who came back within WIN_BACK_DAYS
    buyers_90: int = 0  # members who bought within the 90 days to the range's end
    repeat_buyers_90: int = 0  # those who bought on two days or more
    sales_cents: dict[str, int] = field(default_factory=dict)  # per currency, less returns
    returned_cents: dict[str, int] = field(default_factory=dict)  # per currency

    @property
    def win_back_rate(self) -> float | None:
        """Members newly at risk in the range who came back in time, over all of them."""
        return self.won_back / self.at_risk if self.at_risk > 0 else None

    @property
    def repeat_rate(self) -> float | None:
        """Members who bought on two days or more within 90 days, over those who bought."""
        return self.repeat_buyers_90 / self.buyers_90 if self.buyers_90 > 0 else None

    @property
    def active_ratio(self) -> float | None:
        """Members active within 30 days over all members."""
        return self.active_30 / self.members if self.members else None

    @property
    def stickiness(self) -> float | None:
        """Daily active members (average) over members active within 30 days."""
        return self.daily_active / self.active_30 if self.active_30 else None

    @property
    def redemption_rate(self) -> float | None:
        """Points redeemed over points issued."""
        return self.points_redeemed / self.points_issued if self.points_issued else None


@dataclass(frozen=True)
class TierRow:
    tier: str
    members: int
    new_members: int
    sales_count: int
    points_issued: int
    points_redeemed: int
    sales_cents: dict[str, int]

    def average_spend(self, currency: str) -> int | None:
        """Average sale (cents) in ``currency``; sales in other currencies aside."""
        if not self.sales_count or currency not in self.sales_cents:
            return None
        return self.sales_cents[currency] // self.sales_count


@dataclass(frozen=True)
class Liability:
    currency: str
    points: int
    value_cents: int


@dataclass(frozen=True)
class CouponRow:
    title: str
    issued: int
    used: int

    @property
    def rate(self) -> float | None:
        return self.used / self.issued if self.issued else None


@dataclass(frozen=True)
class DayRow:
    day: date
    new_members: int
    active_members: int
    points_issued: int
    points_redeemed: int
    sales_count: int
    active_30: int
    at_risk: int = 0
    won_back: int = 0
    returns: int = 0


@dataclass(frozen=True)
class Dashboard:
    store: str | None
    period: Period
    previous: Period
    now: Figures
    before: Figures
    tiers: list[TierRow]
    liabilities: list[Liability]
    expiring_30: int
    expiring_90: int
    coupons: list[CouponRow]
    days: list[DayRow]  # each day of the range, or each month (``by_month``)
    by_month: bool = False
    region: str | None = None

    @property
    def currencies(self) -> list[str]:
        found = set(self.now.sales_cents) | set(self.before.sales_cents)
        found |= set(self.now.returned_cents) | set(self.before.returned_cents)
        found |= {liability.currency for liability in self.liabilities}
        return sorted(found)


class DashboardService:
    def __init__(self, database: Database) -> None:
        self.database = database

    def regions(self) -> list[str]:
        with self.database.read() as session:
            return repo.regions(session)

    def view(
        self, period: Period, store: str | None = None, region: str | None = None
    ) -> Dashboard:
        """The chain's figures, a region's (its stores') or one store's."""
        previous = period.previous()
        with self.database.read() as session:
            stores = {store} if store else None
            if region and not store:
                stores = repo.region_stores(session, region)
            row = catalog.get_program(session, catalog.latest_program_version(session))
            assert row is not None
            program = LoyaltyProgram.model_validate_json(row.body)
            by_month = period.days > DAILY_SERIES_DAYS
            points = _points(period, by_month)
            active = repo.active_on(session, {previous.last, *points.values()}, stores)
            now, tiers = _figures(repo.flows(session, period.first, period.last, stores))
            before, _ = _figures(repo.flows(session, previous.first, previous.last, stores))
            # the stocks at the range's end (every change up to it); at the previous
            # range's end: those less the changes within this range
            stock_now = repo.stocks(session, period.last, stores)
            days = repo.series(session, period.first, period.last, stores, by_month)
            expiring = _expiring(session, program, period.last, stores)
            coupons = [
                CouponRow(r.title, int(r.issued), int(r.used or 0))
                for r in repo.coupons(session, period.first, period.last, stores)
            ]
        now.members = sum(int(r.members or 0) for r in stock_now)
        before.members = now.members - now.tier_members
        for figures, end, span in ((now, period.last, period), (before, previous.last, previous)):
            figures.active_30 = active.get((end, 30), 0)
            figures.active_90 = active.get((end, 90), 0)
            figures.buyers_90 = active.get((end, BUYERS), 0)
            figures.repeat_buyers_90 = active.get((end, REPEAT_BUYERS), 0)
            figures.daily_active = figures.daily_active / span.days
        members_by_tier: dict[str, int] = {}
        balance: dict[str, int] = {}
        for r in stock_now:
            members_by_tier[r.tier] = members_by_tier.get(r.tier, 0) + int(r.members or 0)
            balance[r.currency] = balance.get(r.currency, 0) + int(r.balance or 0)
        order = [t.code for t in program.tiers]
        tier_rows = [
            _tier_row(code, members_by_tier.get(code, 0), tiers.get(code))
            for code in order + sorted((set(members_by_tier) | set(tiers)) - set(order))
        ]
        return Dashboard(
            store=store,
            period=period,
            previous=previous,
            now=now,
            before=before,
            tiers=tier_rows,
            liabilities=[
                Liability(c, p, program.points_value_cents(max(p, 0)))
                for c, p in sorted(balance.items())
            ],
            expiring_30=expiring[0],
            expiring_90=expiring[1],
            coupons=coupons,
            days=[
                _day_row(start, days.get(start), active.get((end, 30), 0))
                for start, end in points.items()
            ],
            by_month=by_month,
            region=region if region and not store else None,
        )


def _points(period: Period, by_month: bool) -> dict[date, date]:
    """The series' points: {first day: last day} of each day, or of each month (the
    range's first and last months cut to the range)."""
    if not by_month:
        return {d: d for d in period.dates()}
    found: dict[date, date] = {}
    month = repo.month_of(period.first)
    while month <= period.last:
        end = min(repo.next_month(month) - timedelta(days=1), period.last)
        found[month] = end
        month = repo.next_month(month)
    return found


def _figures(rows: Sequence[object]) -> tuple[Figures, dict[str, Figures]]:
    """The period's totals, and the same per tier."""
    total = Figures()
    tiers: dict[str, Figures] = {}
    for row in rows:
        tier = str(getattr(row, "tier"))  # noqa: B009
        for target in (total, tiers.setdefault(tier, Figures())):
            _add(target, row)
    return total, tiers


_SUMMED = (
    "tier_members",
    "new_members",
    "points_issued",
    "points_redeemed",
    "points_adjusted",
    "points_expired",
    "points_returned",
    "sales_count",
    "redemptions",
    "coupons_used",
    "returns",
    "at_risk",
    "won_back",
)


def _add(target: Figures, row: object) -> None:
    for name in _SUMMED:
        setattr(target, name, getattr(target, name) + int(getattr(row, name) or 0))
    target.daily_active += int(getattr(row, "active_members") or 0)  # noqa: B009
    currency = str(getattr(row, "currency"))  # noqa: B009
    for name, held in (
        ("sales_cents", target.sales_cents),
        ("returned_cents", target.returned_cents),
    ):
        amount = int(getattr(row, name) or 0)
        if amount:
            held[currency] = held.get(currency, 0) + amount


def _tier_row(code: str, members: int, figures: Figures | None) -> TierRow:
    f = figures or Figures()
    return TierRow(
        code,
        members,
        f.new_members,
        f.sales_count,
        f.points_issued,
        f.points_redeemed,
        dict(f.sales_cents),
    )


def _day_row(day: date, row: object | None, active_30: int) -> DayRow:
    def value(name: str) -> int:
        return int(getattr(row, name) or 0) if row is not None else 0

    return DayRow(
        day,
        value("new_members"),
        value("active_members"),
        value("points_issued"),
        value("points_redeemed"),
        value("sales_count"),
        active_30,
        value("at_risk"),
        value("won_back"),
        value("returns"),
    )


def _expiring(
    session: Session, program: LoyaltyProgram, last: date, stores: set[str] | None
) -> tuple[int, int]:
    """Points issued on the days whose points reach their expiry within 30 and 90 days
    after ``last`` (at most what will expire: part of them may be spent already)."""
    end = datetime(last.year, last.month, last.day, tzinfo=UTC)
    first = add_months(end, -program.expiry_months).date() + timedelta(days=1)
    days = repo.series(
        session, first, first + timedelta(days=89), stores, by_month=False, names=("points_issued",)
    )
    within = first + timedelta(days=30)
    soon = sum(int(r.points_issued or 0) for day, r in days.items() if day < within)
    return soon, sum(int(r.points_issued or 0) for r in days.values())
