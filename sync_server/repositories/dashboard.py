"""The dashboard's roll-ups: adding to them (push path, expiry job) and reading them
(docs/DASHBOARD.md). Never commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, Table, and_, case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sync_server.models import (
    Coupon,
    DashActive,
    DashDaily,
    DashMemberDay,
    LedgerEvent,
    Member,
    Store,
    Terminal,
    table_of,
)
from sync_server.repositories.bulk import is_postgres

DAILY = table_of(DashDaily)
ACTIVE = table_of(DashActive)
MEMBER_DAYS = table_of(DashMemberDay)
DAILY_KEY = ("store_code", "business_date", "terminal_id", "tier")
FIGURES = tuple(c.name for c in DAILY.c if c.name not in DAILY_KEY)
ACTIVE_KEY = ("store_code", "day", "window_days")
STORES = table_of(Store)


def _insert(session: Session, table: Table) -> Any:
    return (pg_insert if is_postgres(session) else sqlite_insert)(table)


def _add(
    session: Session, table: Table, keys: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """INSERT each row, or add its figures to the row of the same key. Rows go in key
    order, so that two writers touching the same rows never wait for each other in a
    circle (PostgreSQL)."""
    if not rows:
        return
    statement = _insert(session, table)
    figures = [name for name in rows[0] if name not in keys]
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + statement.excluded[name] for name in figures},
    )
    ordered = sorted(rows, key=lambda row: tuple(row[k] for k in keys))
    session.execute(statement, ordered)


def add_daily(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add to ``dash_daily``; each row has the key and every figure."""
    _add(session, DAILY, DAILY_KEY, rows)


def add_active(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add ``delta`` to ``dash_active`` rows (store_code, day, window_days)."""
    _add(session, ACTIVE, ACTIVE_KEY, rows)


def member_days(
    session: Session, member_ids: Collection[str], first: date, last: date
) -> Sequence[Row[Any]]:
    """(member_id, day) of these members' active days from ``first`` to ``last``."""
    if not member_ids:
        return []
    c = MEMBER_DAYS.c
    statement = select(c.member_id, c.day).where(
        c.member_id.in_(sorted(member_ids)), c.day.between(first, last)
    )
    return list(session.execute(statement))


def add_member_days(session: Session, rows: Sequence[tuple[str, date]]) -> None:
    if not rows:
        return
    statement = _insert(session, MEMBER_DAYS).on_conflict_do_nothing()
    session.execute(statement, [{"member_id": m, "day": d} for m, d in sorted(rows)])


# --- reading ---------------------------------------------------------------------------


def _store_filter(column: Any, stores: Collection[str] | None) -> Any:
    return column.in_(sorted(stores)) if stores is not None else True


def flows(
    session: Session, first: date, last: date, stores: Collection[str] | None
) -> Sequence[Row[Any]]:
    """Every figure summed from ``first`` to ``last``, per tier and currency."""
    d, s = DAILY.c, STORES.c
    statement = (
        select(d.tier, s.currency, *(func.sum(d[name]).label(name) for name in FIGURES))
        .join(STORES, s.code == d.store_code)
        .where(d.business_date.between(first, last), _store_filter(d.store_code, stores))
        .group_by(d.tier, s.currency)
    )
    return list(session.execute(statement))


def per_day(
    session: Session, first: date, last: date, stores: Collection[str] | None
) -> Sequence[Row[Any]]:
    """The figures of each day from ``first`` to ``last`` (every tier and currency)."""
    d = DAILY.c
    statement = (
        select(d.business_date, *(func.sum(d[name]).label(name) for name in FIGURES))
        .where(d.business_date.between(first, last), _store_filter(d.store_code, stores))
        .group_by(d.business_date)
        .order_by(d.business_date)
    )
    return list(session.execute(statement))


def stocks(session: Session, through: date, stores: Collection[str] | None) -> Sequence[Row[Any]]:
    """Members per tier and the points balance per currency at the end of ``through``
    (every change up to that day summed)."""
    d, s = DAILY.c, STORES.c
    statement = (
        select(
            d.tier,
            s.currency,
            func.sum(d.tier_members).label("members"),
            func.sum(d.balance_delta).label("balance"),
        )
        .join(STORES, s.code == d.store_code)
        .where(d.business_date <= through, _store_filter(d.store_code, stores))
        .group_by(d.tier, s.currency)
    )
    return list(session.execute(statement))


def active(
    session: Session, first: date, last: date, stores: Collection[str] | None
) -> dict[tuple[date, int], int]:
    """Members active within 30 and 90 days on each day from ``first`` to ``last``:
    {(day, window): n}, the running sum of the changes (one sum of everything before
    ``first``, then one row per day and window)."""
    a = ACTIVE.c
    where = _store_filter(a.store_code, stores)
    running: dict[int, int] = {}
    start = select(a.window_days, func.sum(a.delta)).where(a.day < first, where)
    for window, total in session.execute(start.group_by(a.window_days)):
        running[int(window)] = int(total or 0)
    days = (
        select(a.window_days, a.day, func.sum(a.delta))
        .where(a.day.between(first, last), where)
        .group_by(a.window_days, a.day)
    )
    changes: dict[tuple[date, int], int] = {}
    for window, day, delta in session.execute(days):
        changes[(day, int(window))] = int(delta or 0)
    found: dict[tuple[date, int], int] = {}
    for window in {*running, *(w for _, w in changes)}:
        total = running.get(window, 0)
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            total += changes.get((day, window), 0)
            found[(day, window)] = total
    return found


def coupons(session: Session, first: date, last: date) -> Sequence[Row[Any]]:
    """Coupons issued from ``first`` to ``last`` (UTC days) per title: issued, used."""
    c = table_of(Coupon).c
    statement = (
        select(
            c.title,
            func.count().label("issued"),
            func.sum(case((c.status == "redeemed", 1), else_=0)).label("used"),
        )
        .where(
            and_(
                c.created_at >= _start(first),
                c.created_at < _start(last, days=1),
            )
        )
        .group_by(c.title)
        .order_by(c.title)
    )
    return list(session.execute(statement))


def _start(day: date, days: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=days)


# --- rebuilding from the ledger (a job) ---------------------------------------------------


def clear(session: Session) -> None:
    """Empty the roll-ups (before a rebuild)."""
    for table in (DAILY, ACTIVE, MEMBER_DAYS):
        session.execute(table.delete())


def member_chunk(session: Session, after: str, limit: int) -> Sequence[Row[Any]]:
    """The next ``limit`` members by id: id, home store, tier, enrolment time."""
    m = table_of(Member).c
    statement = (
        select(m.id, m.store_code, m.tier, m.enrolled_at)
        .where(m.id > after)
        .order_by(m.id)
        .limit(limit)
    )
    return list(session.execute(statement))


def accepted_events(session: Session, member_ids: Collection[str]) -> Sequence[Row[Any]]:
    """The accepted ledger events of these members with what the roll-ups need (the
    payload of sales only, for their amount)."""
    e, t = table_of(LedgerEvent).c, table_of(Terminal).c
    statement = (
        select(
            e.member_id,
            e.type,
            e.terminal_id,
            t.store_code,
            e.occurred_at,
            e.points_delta,
            case((e.type == "points.earned", e.payload), else_=None).label("payload"),
        )
        .outerjoin(table_of(Terminal), t.id == e.terminal_id)
        .where(e.member_id.in_(sorted(member_ids)), e.status == "accepted")
    )
    return list(session.execute(statement))
