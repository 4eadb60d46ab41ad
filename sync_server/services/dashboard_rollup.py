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

from shared.protocol import EventVoidedData, PointsEarnedData
from sync_server.repositories import dashboard as repo
from sync_server.services.push_state import LedgerResult, Loaded
from sync_server.services.sale_returns import SaleReturnRecord

WINDOWS = (30, 90)
# Members who bought within 90 days, and those who bought on two days or more within 90
# days: ``dash_active`` keeps them under these window codes (their running sums).
BUYERS = 1090
REPEAT_BUYERS = 2090
BUY_WINDOW = 90
# A member is newly at risk of churning on the day their last visit is this many days
# old (the churn list's default); won back when they come back within WIN_BACK_DAYS.
AT_RISK_DAYS = 90
WIN_BACK_DAYS = 30
# A visit's neighbours further away than this change nothing it adds (the longest
# window, or being at risk and coming back in time).
_REACH = timedelta(days=max(*WINDOWS, AT_RISK_DAYS + WIN_BACK_DAYS))
_BUY_REACH = timedelta(days=BUY_WINDOW)
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
    returns: int = 0
    returned_cents: int = 0
    at_risk: int = 0
    won_back: int = 0


@dataclass(frozen=True, slots=True)
class Visit:
    """A member active on a business day (of their home store's figures); ``purchase``:
    the visit was a sale."""

    member_id: str
    home_store: str
    day: date
    tier: str
    purchase: bool = False


@dataclass(frozen=True, slots=True)
class CouponUse:
    """A coupon used (+1) or given back (-1), counted on its issue's row."""

    store_code: str
    day: date
    title: str
    used: int


@dataclass(frozen=True, slots=True)
class RollUp:
    """One push's roll-up record (written by :func:`write_rollup`)."""

    figures: tuple[DayFigures, ...]
    visits: tuple[Visit, ...]
    coupons: tuple[CouponUse, ...] = ()


def records(loaded: Loaded, result: LedgerResult) -> tuple[object, ...]:
    """The roll-up record of one push (pure): none when it moved nothing. Its figures
    are summed per (store, business day, tier) already: one per roll-up row."""
    sums = _Sums()
    visits, coupons = _records(loaded, result, sums)
    figures = sums.figures()
    if not (figures or visits or coupons):
        return ()
    return (RollUp(figures, tuple(visits), tuple(coupons)),)


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


def _records(
    loaded: Loaded, result: LedgerResult, sums: _Sums
) -> tuple[list[Visit], list[CouponUse]]:
    store = loaded.store
    visits: list[Visit] = []
    coupons: list[CouponUse] = []
    business_day = store.business_day
    batch = {a.event.event_id: a for a in result.applied}
    returned = {
        r.event_id: r.accepted_cents for r in result.extra if isinstance(r, SaleReturnRecord)
    }
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
        amount, target = 0, ""
        if isinstance(data, PointsEarnedData):
            amount = data.amount_cents
        elif isinstance(data, EventVoidedData):
            target, amount = _voided(loaded, batch, str(data.voided_event_id))
        elif event.type == "sale.returned":
            amount = returned.get(event.event_id, 0)
        flow = figures_of(event.type, amount, delta, target)
        if flow:
            sums.add(store.code, day, member.tier, **flow)
        if delta:
            sums.add(home, day, member.tier, balance_delta=delta)
        if event.type in VISIT_TYPES:
            bought = event.type == "points.earned"
            visits.append(Visit(member.id, home, day, member.tier, bought))
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
    for coupon_id, now in result.coupons.items():
        was = loaded.coupons.get(coupon_id)
        if was is None or was.created_at is None or was.status == now.status:
            continue
        used = 1 if now.status == "redeemed" else -1 if was.status == "redeemed" else 0
        owner = result.members.get(now.member_id) or loaded.members.get(now.member_id)
        if used and owner is not None:
            issued = repo.utc_day(was.created_at)
            coupons.append(CouponUse(owner.profile.store_code or "", issued, now.title, used))
    return visits, coupons


def _voided(loaded: Loaded, batch: Mapping[str, Any], event_id: str) -> tuple[str, int]:
    """The type of the event a void names and, for a sale, its amount."""
    stored = loaded.targets.get(event_id)
    if stored is not None:
        return stored.type, stored.amount_cents
    earlier = batch.get(event_id)
    if earlier is None:
        return "", 0
    data = earlier.event.data
    return earlier.event.type, data.amount_cents if isinstance(data, PointsEarnedData) else 0


def figures_of(kind: str, amount_cents: int, delta: int, voided: str = "") -> dict[str, int]:
    """What an accepted event of ``kind`` adds to its till's store's day. ``delta``: the
    points it moved; ``amount_cents``: a sale's amount, a return's accepted amount, or a
    voided sale's amount; ``voided``: the type of the event a void undoes."""
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
    if kind == "sale.returned":
        # the amount comes off the sales; the points it took back (net) are returned
        # points, those it gave back (net) come off the points redeemed
        flow = {"returns": 1, "returned_cents": amount_cents, "sales_cents": -amount_cents}
        if delta < 0:
            flow["points_returned"] = -delta
        elif delta > 0:
            flow["points_redeemed"] = -delta
        return flow
    if kind == "event.voided":
        # a void undoes its event: the sale, redemption, adjustment or coupon never was
        if voided == "points.earned":
            return {"points_issued": delta, "sales_count": -1, "sales_cents": -amount_cents}
        if voided == "points.redeemed":
            return {"points_redeemed": -delta, "redemptions": -1}
        if voided == "points.adjusted":
            return {"points_adjusted": delta}
        if voided == "coupon.redeemed":
            return {"coupons_used": -1}
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


def at_risk_marks(days: Sequence[date]) -> dict[date, tuple[int, int]]:
    """A member's days of becoming at risk (``AT_RISK_DAYS`` after a visit with no visit
    since), each with whether they came back within ``WIN_BACK_DAYS``: {day: (1, 0|1)}
    (``days``: their active days, sorted)."""
    marks: dict[date, tuple[int, int]] = {}
    risk = timedelta(days=AT_RISK_DAYS)
    for i, day in enumerate(days):
        nxt = days[i + 1] if i + 1 < len(days) else None
        if nxt is not None and nxt < day + risk:
            continue
        back = nxt is not None and (nxt - (day + risk)).days < WIN_BACK_DAYS
        marks[day + risk] = (1, int(back))
    return marks


def covered(days: Sequence[date], window: int, times: int) -> list[tuple[date, date]]:
    """The days D on which a member has at least ``times`` (1 or 2) of ``days`` (sorted)
    within the ``window`` days that end on D, as disjoint spans."""
    width = timedelta(days=window - 1)
    spans: list[tuple[date, date]] = []
    for i, day in enumerate(days):
        if times == 1:
            span = (day, day + width)
        else:  # two days: this one and the one before, while that is in the window
            if i == 0 or days[i - 1] + width < day:
                continue
            span = (day, days[i - 1] + width)
        if spans and span[0] <= spans[-1][1] + timedelta(days=1):
            spans[-1] = (spans[-1][0], max(spans[-1][1], span[1]))
        else:
            spans.append(span)
    return spans


def span_changes(
    before: Sequence[tuple[date, date]], after: Sequence[tuple[date, date]]
) -> dict[date, int]:
    """The running-sum changes ({day: delta}) that turn ``before``'s spans into ``after``'s."""
    changes: dict[date, int] = {}
    for spans, sign in ((after, 1), (before, -1)):
        for start, end in spans:
            stop = end + timedelta(days=1)
            changes[start] = changes.get(start, 0) + sign
            changes[stop] = changes.get(stop, 0) - sign
    return {day: n for day, n in changes.items() if n}


def churn_figures(known: Mapping[str, Iterable[date]], visits: Sequence[Visit]) -> list[DayFigures]:
    """The changes in members newly at risk and won back that ``visits`` make, given each
    member's active days already held (``known``, within ``_REACH`` of the visits)."""
    found: list[DayFigures] = []
    for member, mine in _per_member(visits).items():
        before = sorted(set(known.get(member, ())))
        after = sorted(set(before) | {v.day for v in mine})
        if after == before:
            continue
        old, new = at_risk_marks(before), at_risk_marks(after)
        last = mine[-1]
        for day in sorted(set(old) | set(new)):
            was, now = old.get(day, (0, 0)), new.get(day, (0, 0))
            if was != now:
                found.append(
                    DayFigures(
                        last.home_store,
                        day,
                        last.tier,
                        at_risk=now[0] - was[0],
                        won_back=now[1] - was[1],
                    )
                )
    return found


def buyer_changes(
    known: Mapping[str, Iterable[date]], visits: Sequence[Visit]
) -> dict[tuple[str, date, int], int]:
    """The changes to ``dash_active`` (windows ``BUYERS`` and ``REPEAT_BUYERS``) that the
    purchases among ``visits`` make, given each member's purchase days already held."""
    deltas: dict[tuple[str, date, int], int] = {}
    for member, mine in _per_member([v for v in visits if v.purchase]).items():
        before = sorted(set(known.get(member, ())))
        after = sorted(set(before) | {v.day for v in mine})
        home = mine[-1].home_store
        for code, times in ((BUYERS, 1), (REPEAT_BUYERS, 2)):
            changes = span_changes(
                covered(before, BUY_WINDOW, times), covered(after, BUY_WINDOW, times)
            )
            for day, n in changes.items():
                deltas[(home, day, code)] = deltas.get((home, day, code), 0) + n
    return deltas


def _per_member(visits: Sequence[Visit]) -> dict[str, list[Visit]]:
    found: dict[str, list[Visit]] = {}
    for visit in visits:
        found.setdefault(visit.member_id, []).append(visit)
    return found


def write_rollup(session: Session, found: Sequence[Any]) -> None:
    """The sink of :class:`RollUp`: reads the members' active (and purchase) days near
    the visits (the loader locked the members, so nobody else changes them), then adds
    the figures with the daily active members and the churn marks (one statement per
    table), the new days and the running-sum changes (30/90-day active, buyers)."""
    figures: list[DayFigures] = []
    visits: list[Visit] = []
    coupons: dict[tuple[str, date, str], int] = {}
    for record in found:
        assert isinstance(record, RollUp)
        figures += record.figures
        visits += record.visits
        for use in record.coupons:
            key = (use.store_code, use.day, use.title)
            coupons[key] = coupons.get(key, 0) + use.used
    repo.add_coupons(
        session,
        [
            {"store_code": k[0], "day": k[1], "title": k[2], "issued": 0, "used": n}
            for k, n in coupons.items()
            if n
        ],
    )
    if not visits:
        write_figures(session, figures)
        return
    first = min(v.day for v in visits) - _REACH
    last = max(v.day for v in visits) + _REACH
    known: dict[str, list[date]] = {}
    for member_id, day in repo.member_days(session, {v.member_id for v in visits}, first, last):
        known.setdefault(member_id, []).append(day)
    churn = churn_figures(known, visits)
    new, deltas = active_deltas(known, visits)
    bought = [v for v in visits if v.purchase]
    if bought:
        first = min(v.day for v in bought) - _BUY_REACH
        last = max(v.day for v in bought) + _BUY_REACH
        buys: dict[str, list[date]] = {}
        ids = {v.member_id for v in bought}
        for member_id, day in repo.member_days(session, ids, first, last, buyers=True):
            buys.setdefault(member_id, []).append(day)
        for change, n in buyer_changes(buys, bought).items():
            deltas[change] = deltas.get(change, 0) + n
        repo.add_member_days(session, sorted({(v.member_id, v.day) for v in bought}), buyers=True)
    repo.add_member_days(session, [(v.member_id, v.day) for v in new])
    active = [DayFigures(v.home_store, v.day, v.tier, active_members=1) for v in new]
    write_figures(session, [*figures, *active, *churn])  # summed per row there
    repo.add_active(
        session,
        [
            {"store_code": s, "day": d, "window_days": w, "delta": n}
            for (s, d, w), n in deltas.items()
            if n
        ],
    )


SINKS: Mapping[type, Callable[[Session, Sequence[Any]], None]] = {RollUp: write_rollup}
