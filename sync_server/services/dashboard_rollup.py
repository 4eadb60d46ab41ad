"""The dashboard's daily roll-ups, kept by the push path (docs/DASHBOARD.md).

``records(loaded, result)`` is pure: from what the loader read and what the ledger
decided it makes one typed record (:class:`RollUp`: :class:`DayFigures` and
:class:`Visit` s), which rides in ``LedgerResult.extra``; the writer's sink
(:data:`SINKS`) adds it to the roll-up tables in the push's own transaction, so the
dashboard never reads the ledger.

Where a figure is kept:
- flows (points issued, redeemed, adjusted, returned; sales, redemptions, coupons) on
  the row of the till's store;
- stocks (members entering or leaving a tier, the balance's change, daily active
  members, members active within 30/90 days) on the member's home store (the store that
  enrolled them), so a store's liability is in its own currency.

The sinks run last before the version counter is taken (push_writer), and write their
rows in key order: two pushes of one store's tills that add to the same row wait for
each other only where they would wait for the counter anyway, and never in a circle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from shared.protocol import PointsEarnedData
from sync_server.repositories import dashboard as repo
from sync_server.services.push_state import LedgerResult, Loaded

WINDOWS = (30, 90)
# A visit's neighbours further away than the longest window change nothing.
_REACH = timedelta(days=max(WINDOWS))
# Event types that make a member active on their business day.
VISIT_TYPES = frozenset({"member.enrolled", "points.earned", "points.redeemed", "coupon.redeemed"})


@dataclass(frozen=True, slots=True)
class DayFigures:
    """Additions to one ``dash_daily`` row."""

    store_code: str
    business_date: date
    tier: str
    new_members: int = 0
    tier_members: int = 0
    active_members: int = 0
    points_issued: int = 0
    points_redeemed: int = 0
    points_adjusted: int = 0
    points_expired: int = 0
    points_returned: int = 0
    balance_delta: int = 0
    sales_count: int = 0
    sales_cents: int = 0
    redemptions: int = 0
    coupons_used: int = 0


@dataclass(frozen=True, slots=True)
class Visit:
    """A member active on a business day (of their home store's figures)."""

    member_id: str
    home_store: str
    day: date
    tier: str


@dataclass(frozen=True, slots=True)
class RollUp:
    """One push's roll-up record (written by :func:`write_rollup`)."""

    figures: tuple[DayFigures, ...]
    visits: tuple[Visit, ...]


def records(loaded: Loaded, result: LedgerResult) -> tuple[object, ...]:
    """The roll-up record of one push (pure): none when it moved nothing. Its figures
    are summed per (store, business day, tier) already: one per roll-up row."""
    sums = _Sums()
    visits = _records(loaded, result, sums)
    figures = sums.figures()
    return (RollUp(figures, tuple(visits)),) if figures or visits else ()


_COUNTS = tuple(f.name for f in fields(DayFigures))[3:]  # every field after the key
_AT = {name: i for i, name in enumerate(_COUNTS)}


class _Sums:
    """Figures summed per (store, business day, tier) as they are found."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: dict[tuple[str, date, str], list[int]] = {}

    def add(self, store: str, day: date, tier: str, **counts: int) -> None:
        key = (store, day, tier)
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = [0] * len(_COUNTS)
        for name, value in counts.items():
            row[_AT[name]] += value

    def figures(self) -> tuple[DayFigures, ...]:
        return tuple(DayFigures(*key, *row) for key, row in self.rows.items())


def _records(loaded: Loaded, result: LedgerResult, sums: _Sums) -> list[Visit]:
    store = loaded.store
    visits: list[Visit] = []
    business_day = store.business_day
    for applied in result.applied:
        event, outcome = applied.event, applied.outcome
        if outcome.status != "accepted":
            continue
        member = result.members.get(outcome.member_id) or loaded.members.get(outcome.member_id)
        if member is None:
            continue
        day = business_day(event.occurred_at)
        home = member.profile.store_code or store.code
        delta = outcome.points_delta
        data = event.data
        amount = data.amount_cents if isinstance(data, PointsEarnedData) else 0
        flow = figures_of(event.type, amount, delta)
        if flow:
            sums.add(store.code, day, member.tier, **flow)
        if delta:
            sums.add(home, day, member.tier, balance_delta=delta)
        if event.type in VISIT_TYPES:
            visits.append(Visit(member.id, home, day, member.tier))
    today = business_day(loaded.now)
    for member_id, after in result.members.items():
        before = loaded.members.get(member_id)
        home = after.profile.store_code or store.code
        if before is None:
            if member_id in result.new_members:
                enrolled = business_day(after.profile.enrolled_at)
                sums.add(home, enrolled, after.tier, tier_members=1)
        elif before.tier != after.tier:
            sums.add(home, today, before.tier, tier_members=-1)
            sums.add(home, today, after.tier, tier_members=1)
    return visits


def figures_of(kind: str, amount_cents: int, delta: int) -> dict[str, int]:
    """What an accepted event of ``kind`` adds to its till's store's day (``amount_cents``:
    a sale's amount; ``delta``: the points it moved)."""
    if kind == "member.enrolled":
        return {"new_members": 1}
    if kind == "points.earned":
        return {"points_issued": delta, "sales_count": 1, "sales_cents": amount_cents}
    if kind == "points.redeemed":
        return {"points_redeemed": -delta, "redemptions": 1}
    if kind == "coupon.redeemed":
        return {"coupons_used": 1}
    if kind == "points.adjusted":
        return {"points_adjusted": delta}
    if kind == "sale.returned" and delta < 0:  # earned points taken back, net
        return {"points_returned": -delta}
    if kind == "sale.returned" and delta > 0:  # redeemed points given back, net
        return {"points_redeemed": -delta}
    if kind == "event.voided" and delta < 0:  # a sale voided: its points taken back
        return {"points_returned": -delta}
    if kind == "event.voided" and delta > 0:  # a redemption undone: its points given back
        return {"points_redeemed": -delta, "redemptions": -1}
    return {}


def write_figures(session: Session, found: Sequence[Any]) -> None:
    """The sink of :class:`DayFigures`: summed per row, then added in one statement."""
    rows: dict[tuple[Any, ...], list[int]] = {}
    for record in found:
        assert isinstance(record, DayFigures)
        key = (record.store_code, record.business_date, record.tier)
        counts = [getattr(record, name) for name in _COUNTS]
        row = rows.get(key)
        if row is None:
            rows[key] = counts
        else:
            rows[key] = [a + b for a, b in zip(row, counts, strict=True)]
    repo.add_daily(
        session,
        [
            dict(zip(repo.DAILY_KEY, key, strict=True)) | dict(zip(_COUNTS, row, strict=True))
            for key, row in rows.items()
        ],
    )


def coverage_change(
    day: date, before: date | None, after: date | None, window: int
) -> tuple[date, date] | None:
    """The days on which a visit on ``day`` makes the member newly active within
    ``window`` days, given their nearest other active days ``before`` and ``after`` it:
    a visit covers ``[day, day + window - 1]``; the part its neighbours do not cover."""
    start = day if before is None else max(day, before + timedelta(days=window))
    end = day + timedelta(days=window - 1)
    if after is not None:
        end = min(end, after - timedelta(days=1))
    return (start, end) if start <= end else None


def active_deltas(
    known: Mapping[str, Iterable[date]], visits: Sequence[Visit]
) -> tuple[list[Visit], dict[tuple[str, date, int], int]]:
    """Which visits are a member's first on their day (``known``: days already held),
    and the changes they make to ``dash_active`` ({(home store, day, window): delta})."""
    held = {member: set(days) for member, days in known.items()}
    new: list[Visit] = []
    deltas: dict[tuple[str, date, int], int] = {}
    for visit in visits:
        days = held.setdefault(visit.member_id, set())
        if visit.day in days:
            continue
        before = max((d for d in days if d < visit.day), default=None)
        after = min((d for d in days if d > visit.day), default=None)
        for window in WINDOWS:
            span = coverage_change(visit.day, before, after, window)
            if span is None:
                continue
            start = (visit.home_store, span[0], window)
            stop = (visit.home_store, span[1] + timedelta(days=1), window)
            deltas[start] = deltas.get(start, 0) + 1
            deltas[stop] = deltas.get(stop, 0) - 1
        days.add(visit.day)
        new.append(visit)
    return new, deltas


def write_rollup(session: Session, found: Sequence[Any]) -> None:
    """The sink of :class:`RollUp`: reads the members' active days near the visits (the
    loader locked the members, so nobody else changes them), then adds the figures with
    the daily active members (one statement per table), the new days and the 30/90-day
    changes."""
    figures: list[DayFigures] = []
    visits: list[Visit] = []
    for record in found:
        assert isinstance(record, RollUp)
        figures += record.figures
        visits += record.visits
    if not visits:
        write_figures(session, figures)
        return
    first = min(v.day for v in visits) - _REACH
    last = max(v.day for v in visits) + _REACH
    known: dict[str, list[date]] = {}
    for member_id, day in repo.member_days(session, {v.member_id for v in visits}, first, last):
        known.setdefault(member_id, []).append(day)
    new, deltas = active_deltas(known, visits)
    repo.add_member_days(session, [(v.member_id, v.day) for v in new])
    sums = _Sums()
    for visit in new:
        sums.add(visit.home_store, visit.day, visit.tier, active_members=1)
    write_figures(session, figures + list(sums.figures()))
    repo.add_active(
        session,
        [
            {"store_code": s, "day": d, "window_days": w, "delta": n}
            for (s, d, w), n in deltas.items()
            if n
        ],
    )


SINKS: Mapping[type, Callable[[Session, Sequence[Any]], None]] = {RollUp: write_rollup}
