"""Tier qualification by period: which tier a member holds on a day, and until when.

A program's ``tier_rules`` (optional; without it tiers go by lifetime points and never
go down) qualify a member by the points earned in a period:

- ``rolling``: the points earned in the last ``period_months`` calendar months, this one
  included. The tier those points reach in a month is kept to the end of that month.
- ``calendar``: the points earned in a calendar period of ``period_months`` months
  (12: the calendar year, from 1 January; 3: quarters). The tier reached in a period is
  kept to the end of the next period.

Either way a tier is then kept ``grace_months`` more before the member goes down, and a
member goes up at once, on the earn that reaches a tier. Points count in the calendar
month (UTC) of the earn's ``occurred_at``; a void or a return takes points back in its
own month, then from the months before, newest first. Both sides compute with
``tier_standing`` from the same monthly totals: the server from its ledger, the till
from the totals the server sent with the member plus its own earns not yet acknowledged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_PERIOD_MONTHS = 24
MAX_GRACE_MONTHS = 12
CALENDAR_PERIODS = (1, 2, 3, 4, 6, 12)  # months that divide the year
MAX_LOOKBACK_MONTHS = 2 * MAX_PERIOD_MONTHS + MAX_GRACE_MONTHS

Basis = Literal["lifetime", "rolling", "calendar"]


class TierRules(BaseModel):
    """How tiers are qualified for (docs/PROGRAM.md, "Tier rules")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    basis: Basis = "lifetime"
    period_months: int = Field(default=12, ge=1, le=MAX_PERIOD_MONTHS)
    grace_months: int = Field(default=0, ge=0, le=MAX_GRACE_MONTHS)

    @model_validator(mode="after")
    def _consistent(self) -> TierRules:
        if self.basis == "calendar" and self.period_months not in CALENDAR_PERIODS:
            raise ValueError(
                f"period_months: a calendar period divides the year "
                f"({', '.join(map(str, CALENDAR_PERIODS))} months), not {self.period_months}"
            )
        if self.grace_months > self.period_months:
            raise ValueError(
                f"grace_months: {self.grace_months} is longer than the period "
                f"(period_months {self.period_months}) allows"
            )
        return self

    @property
    def by_period(self) -> bool:
        return self.basis != "lifetime"

    @property
    def lookback_months(self) -> int:
        """How many months of totals, this one included, decide the tier now and later
        (older months can no longer count): 0 for lifetime."""
        if self.basis == "rolling":
            return self.period_months + self.grace_months
        if self.basis == "calendar":
            return 2 * self.period_months + self.grace_months
        return 0


LIFETIME = TierRules()


# --- months ----------------------------------------------------------------------


def month_index(day: date) -> int:
    """Months since year 0: consecutive months have consecutive indexes."""
    return day.year * 12 + day.month - 1


def month_end(index: int) -> date:
    """The last day of month ``index``."""
    year, month = divmod(index + 1, 12)
    return date(year, month + 1, 1) - timedelta(days=1)


def utc_day(moment: datetime | date) -> date:
    """The UTC calendar day of an aware time (a date is taken as it is)."""
    if isinstance(moment, datetime):
        offset = moment.utcoffset()
        if offset is not None:
            moment = moment - offset
        return moment.date()
    return moment


# --- monthly totals ---------------------------------------------------------------

MonthTotals = Mapping[int, int]


def add_points(totals: MonthTotals, on: datetime | date, points: int) -> dict[int, int]:
    """``totals`` with ``points`` added to the month of ``on``. Negative points (a void,
    a return) are taken back from that month, then from the months before it, newest
    first, never below zero: the totals never hold more than was earned and kept."""
    new = dict(totals)
    month = month_index(utc_day(on))
    if points >= 0:
        if points:
            new[month] = new.get(month, 0) + points
        return new
    left = -points
    for m in sorted((m for m in new if m <= month), reverse=True):
        taken = min(new[m], left)
        new[m] -= taken
        left -= taken
        if not new[m]:
            del new[m]
        if not left:
            break
    return new


def fold(text: str | None, on: datetime | date, points: int) -> str:
    """``text`` (``format_totals``) with ``points`` added at ``on``, months older than any
    program could count (``MAX_LOOKBACK_MONTHS`` before ``on``) left out."""
    totals = add_points(parse_totals(text), on, points)
    first = month_index(utc_day(on)) - MAX_LOOKBACK_MONTHS + 1
    return format_totals({m: p for m, p in totals.items() if m >= first})


def totals_of(earns: Iterable[tuple[datetime | date, int]]) -> dict[int, int]:
    """Monthly totals of ``(when, points)`` pairs, in the order given."""
    totals: dict[int, int] = {}
    for when, points in earns:
        totals = add_points(totals, when, points)
    return totals


def pruned(rules: TierRules, totals: MonthTotals, today: date) -> dict[int, int]:
    """The months that can still count on ``today`` or later (none for lifetime)."""
    first = month_index(today) - rules.lookback_months + 1
    return {m: p for m, p in totals.items() if m >= first and p > 0 and rules.by_period}


def format_totals(totals: MonthTotals) -> str:
    """The wire and column form: ``"24311:120 24312:40"``, oldest month first."""
    return " ".join(f"{m}:{p}" for m, p in sorted(totals.items()) if p > 0)


def parse_totals(text: str | None) -> dict[int, int]:
    """The inverse of ``format_totals``; '' or None is none."""
    totals: dict[int, int] = {}
    for part in (text or "").split():
        month, _, points = part.partition(":")
        totals[int(month)] = totals.get(int(month), 0) + int(points)
    return totals


def pending_of(text: str | None) -> list[tuple[datetime, int]]:
    """A till's pending events as ``"occurred_at=points ..."`` (its replica's
    ``group_concat``), as ``(when, points)`` pairs; a malformed part is left out."""
    found: list[tuple[datetime, int]] = []
    for part in (text or "").split():
        when, _, points = part.rpartition("=")
        try:
            found.append((datetime.fromisoformat(when), int(points)))
        except ValueError:
            continue
    return found


def till_totals(
    server: str | None, pending: str | None, pending_lifetime: int, today: date
) -> dict[int, int]:
    """The totals a till counts a member's tier on: the server's (``server``, as pulled),
    then its own pending events in the order they happened (``pending``), and any
    lifetime points beyond those (this transaction's own event) on ``today``."""
    totals = parse_totals(server)
    listed = sorted(pending_of(pending), key=lambda p: utc_day(p[0]))
    for when, points in listed:
        totals = add_points(totals, when, points)
    rest = pending_lifetime - sum(points for _w, points in listed)
    return add_points(totals, today, rest) if rest else totals


# --- the standing -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Standing:
    """The tier held on a day: ``tier`` is its index in the program's tiers (0 the
    lowest), ``kept_until`` the last day it is kept if no more points are earned (None:
    not lost by time, as a lifetime tier or the lowest one), ``period_points`` the points
    that count now (this period's or window's; lifetime points for lifetime)."""

    tier: int
    kept_until: date | None
    period_points: int


@dataclass(frozen=True, slots=True)
class _Qualification:
    tier: int
    end_month: int  # kept to the end of this month


def tier_index(thresholds: tuple[int, ...], points: int) -> int:
    """The index of the highest threshold ``points`` reach (thresholds ascending, the
    first 0)."""
    found = 0
    for index, threshold in enumerate(thresholds):
        if points >= threshold:
            found = index
    return found


def _qualifications(
    rules: TierRules, thresholds: tuple[int, ...], totals: MonthTotals, now: int
) -> tuple[list[_Qualification], int]:
    """Every qualification still alive in month ``now`` or later (with no more points
    earned), and the points that count now."""
    found: list[_Qualification] = []
    grace = rules.grace_months
    n = rules.period_months
    if rules.basis == "rolling":
        window_now = 0
        # months from now - grace (still kept) to now + n - 1 (the window still holds
        # what was earned by now)
        for unit in range(now - grace, now + n):
            points = sum(totals.get(m, 0) for m in range(unit - n + 1, min(unit, now) + 1))
            if unit == now:
                window_now = points
            found.append(_Qualification(tier_index(thresholds, points), unit + grace))
        return found, window_now
    # calendar: period k covers months k*n .. k*n + n - 1, kept to the end of period k+1
    current = now // n
    for period in range(current - 2, current + 1):
        points = sum(totals.get(m, 0) for m in range(period * n, period * n + n))
        found.append(_Qualification(tier_index(thresholds, points), (period + 2) * n - 1 + grace))
    return [q for q in found if q.end_month >= now], sum(
        totals.get(m, 0) for m in range(current * n, current * n + n)
    )


def tier_standing(
    rules: TierRules,
    thresholds: tuple[int, ...],
    totals: MonthTotals,
    today: date,
    *,
    lifetime_points: int = 0,
) -> Standing:
    """The tier held on ``today`` (UTC day) given the member's monthly ``totals``
    (lifetime: ``lifetime_points``), and the last day it is kept."""
    if not rules.by_period:
        lifetime = max(lifetime_points, 0)
        return Standing(tier_index(thresholds, lifetime), None, lifetime)
    now = month_index(today)
    alive, points_now = _qualifications(rules, thresholds, totals, now)
    held = max((q.tier for q in alive if _reached(rules, q, now)), default=0)
    if held == 0:
        return Standing(0, None, points_now)
    end = max(q.end_month for q in alive if q.tier >= held)
    return Standing(held, month_end(end), points_now)


def _reached(rules: TierRules, q: _Qualification, now: int) -> bool:
    """Whether the qualification was already reached by month ``now`` (a rolling
    window of a later month only tells how long a tier lasts)."""
    if rules.basis == "rolling":
        return q.end_month - rules.grace_months <= now
    return True
