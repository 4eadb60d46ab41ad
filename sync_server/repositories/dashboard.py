"""The dashboard's roll-ups: adding to them (push path, expiry job) and reading them
(docs/DASHBOARD.md). Never commits."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    Row,
    String,
    Table,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sync_server.models import (
    Coupon,
    DashActive,
    DashActiveMonthly,
    DashBuyerDay,
    DashCoupon,
    DashDaily,
    DashMemberDay,
    DashMonthly,
    LedgerEvent,
    Member,
    SaleReturn,
    Store,
    Terminal,
    table_of,
)
from sync_server.repositories import direct, lite
from sync_server.repositories.bulk import is_postgres

DAILY = table_of(DashDaily)
MONTHLY = table_of(DashMonthly)
ACTIVE = table_of(DashActive)
ACTIVE_MONTHLY = table_of(DashActiveMonthly)
MEMBER_DAYS = table_of(DashMemberDay)
BUYER_DAYS = table_of(DashBuyerDay)
COUPONS = table_of(DashCoupon)
COUPON_KEY = ("store_code", "day", "title")
DAILY_KEY = ("store_code", "business_date", "tier")
FIGURES = tuple(c.name for c in DAILY.c if c.name not in DAILY_KEY)
ACTIVE_KEY = ("store_code", "day", "window_days")
STORES = table_of(Store)
_ADDED = {t.name: t for t in (DAILY, MONTHLY, ACTIVE, ACTIVE_MONTHLY, COUPONS)}


def _add(
    session: Session, table: Table, keys: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """INSERT each row, or add its figures (every other column) to the row of the same
    key. Rows go in key order, so that two writers touching the same rows never wait for
    each other in a circle (PostgreSQL). Each row holds every column of the table."""
    if not rows:
        return
    ordered = sorted(rows, key=lambda row: tuple(row[k] for k in keys))
    _many(session, _adding(table.name, is_postgres(session)), ordered)


def _many(session: Session, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Run a statement built once for each row, on the session's DB-API connection (the
    push path runs these in every push: docs/PUSH_COST.md)."""
    if is_postgres(session):
        direct.executemany(session, statement, rows)
        return
    sql = ""
    params = []
    for row in rows:
        sql, values = lite.compiled(session, statement, **row)
        params.append([v.isoformat() if isinstance(v, date) else v for v in values])
    lite.executemany(session, sql, params)


@cache
def _adding(name: str, postgres: bool) -> Any:
    """The upsert that adds a row's figures to a roll-up table (built once: the push path
    runs it in every push)."""
    table = _ADDED[name]
    statement = (pg_insert if postgres else sqlite_insert)(table).values(
        {c.name: bindparam(c.name) for c in table.c}
    )
    keys = [c.name for c in table.primary_key.columns]
    return statement.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: c + statement.excluded[c.name] for c in table.c if c.name not in keys},
    )


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _per_month(
    rows: Sequence[dict[str, Any]], day_key: str, keys: Sequence[str]
) -> list[dict[str, Any]]:
    """The rows summed per month (``day_key`` becomes ``month``)."""
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        monthly = {("month" if k == day_key else k): v for k, v in row.items()}
        monthly["month"] = month_of(row[day_key])
        key = tuple(monthly[k] for k in keys)
        held = found.get(key)
        if held is None:
            found[key] = monthly
        else:
            for name, value in monthly.items():
                if name not in keys:
                    held[name] += value
    return list(found.values())


# The chain's rows: the whole chain's figures, kept beside the stores' (so that a view
# of the chain reads a few rows a day, not one per store): in dash_daily and
# dash_monthly one per currency ("*CNY"), in dash_active and dash_active_monthly one
# ("*"). No store code starts with "*" (services/admin.py: letters, digits, - and _).
CHAIN = "*"


def _chain_rows(
    rows: Sequence[dict[str, Any]], keys: Sequence[str], code_of: Callable[[str], str | None]
) -> list[dict[str, Any]]:
    """The rows summed under their chain code (``code_of`` a store code; None: none)."""
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        code = code_of(row["store_code"])
        if code is None:
            continue
        chained = {**row, "store_code": code}
        key = tuple(chained[k] for k in keys)
        held = found.get(key)
        if held is None:
            found[key] = chained
        else:
            for name, value in chained.items():
                if name not in keys:
                    held[name] += value
    return list(found.values())


def currencies_of(session: Session, codes: Collection[str]) -> dict[str, str]:
    """{store code: currency} of these stores."""
    if not codes:
        return {}
    statement = select(STORES.c.code, STORES.c.currency).where(STORES.c.code.in_(sorted(codes)))
    return {code: currency for code, currency in session.execute(statement)}


def add_daily(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add to ``dash_daily`` and ``dash_monthly``, the stores' rows and the chain's (per
    the store's currency); each row has the key and every figure."""
    if not rows:
        return
    currency = currencies_of(session, {r["store_code"] for r in rows})
    rows = [
        *rows,
        *_chain_rows(rows, DAILY_KEY, lambda c: CHAIN + currency[c] if c in currency else None),
    ]
    _add(session, DAILY, DAILY_KEY, rows)
    keys = ("store_code", "month", "tier")
    _add(session, MONTHLY, keys, _per_month(rows, "business_date", keys))


def add_active(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add ``delta`` to ``dash_active`` rows (store_code, day, window_days) and their
    months, the stores' rows and the chain's."""
    rows = [*rows, *_chain_rows(rows, ACTIVE_KEY, lambda _c: CHAIN)]
    _add(session, ACTIVE, ACTIVE_KEY, rows)
    keys = ("store_code", "month", "window_days")
    _add(session, ACTIVE_MONTHLY, keys, _per_month(rows, "day", keys))


def member_days(
    session: Session, member_ids: Collection[str], first: date, last: date, buyers: bool = False
) -> list[tuple[str, date]]:
    """(member_id, day) of these members' active days (``buyers``: purchase days) from
    ``first`` to ``last``."""
    if not member_ids:
        return []
    ids = sorted(member_ids)
    if is_postgres(session):
        found = direct.rows(session, _days_pg(buyers), ids=ids, first=first, last=last)
        return [(m, d) for m, d in found]
    table = "dash_buyer_days" if buyers else "dash_member_days"
    sql = (
        f"SELECT member_id, day FROM {table} "  # noqa: S608 - a fixed name, ? marks
        f"WHERE member_id IN ({lite.marks(len(ids))}) AND day BETWEEN ? AND ?"
    )
    found = lite.rows(session, sql, [*ids, first.isoformat(), last.isoformat()])
    return [(m, date.fromisoformat(d)) for m, d in found]


@cache
def _days_pg(buyers: bool) -> Any:
    c = (BUYER_DAYS if buyers else MEMBER_DAYS).c
    return select(c.member_id, c.day).where(
        direct.any_of(c.member_id, "ids"),
        c.day.between(bindparam("first", type_=Date), bindparam("last", type_=Date)),
    )


def add_member_days(
    session: Session, rows: Sequence[tuple[str, date]], buyers: bool = False
) -> None:
    if not rows:
        return
    _many(
        session,
        _adding_days(is_postgres(session), buyers),
        [{"member_id": m, "day": d} for m, d in sorted(rows)],
    )


@cache
def _adding_days(postgres: bool, buyers: bool) -> Any:
    insert = pg_insert if postgres else sqlite_insert
    values: dict[str, Any] = {"member_id": bindparam("member_id"), "day": bindparam("day")}
    return insert(BUYER_DAYS if buyers else MEMBER_DAYS).values(values).on_conflict_do_nothing()


# --- reading ---------------------------------------------------------------------------
# A range is read as its whole calendar months (dash_monthly) and the days at its edges
# (dash_daily); "everything up to a day" as the months before it and that month's days.


def region_stores(session: Session, region: str) -> set[str]:
    """The codes of the stores in ``region``."""
    return set(session.scalars(select(STORES.c.code).where(STORES.c.region == region)))


def regions(session: Session) -> list[str]:
    """Every region a store is in, sorted."""
    statement = select(STORES.c.region).where(STORES.c.region != "").distinct()
    return sorted(session.scalars(statement))


def _store_filter(column: Any, stores: Collection[str] | None) -> Any:
    """These stores' rows, or (None) the chain's."""
    if stores is None:
        if column.table in (ACTIVE, ACTIVE_MONTHLY):
            return column == CHAIN
        chain = select(literal(CHAIN, String) + STORES.c.currency).distinct()
        return column.in_(chain.scalar_subquery())
    return column.in_(sorted(stores))


def _coupon_filter(column: Any, stores: Collection[str] | None) -> Any:
    """dash_coupons has no chain rows: every row is the chain's."""
    return column.in_(sorted(stores)) if stores is not None else true()


def _currency(table: Table) -> Any:
    """A row's currency: its store's, or a chain row's own ("*CNY")."""
    return func.coalesce(STORES.c.currency, func.substr(table.c.store_code, 2)).label("currency")


def split(first: date, last: date) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """The day spans and the whole months ([first month, month after the last)) that
    make up ``first`` to ``last``."""
    start = first if first.day == 1 else next_month(month_of(first))
    end = next_month(month_of(last)) if _month_end(last) else month_of(last)
    if start >= end:
        return [(first, last)], None
    spans = []
    if first < start:
        spans.append((first, start - timedelta(days=1)))
    if end <= last:
        spans.append((end, last))
    return spans, (start, end)


def _month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def _days_in(column: Any, spans: Sequence[tuple[date, date]]) -> Any:
    return or_(*(column.between(a, b) for a, b in spans)) if spans else false()


@dataclass
class Sums:
    """Figures summed over one group (a tier and currency, a day or a month)."""

    key: tuple[Any, ...]
    values: dict[str, int] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def add(self, row: Row[Any], names: Sequence[str]) -> None:
        for name in names:
            self.values[name] = self.values.get(name, 0) + int(getattr(row, name) or 0)


def _grouped(
    session: Session,
    parts: Sequence[tuple[Table, Any, Any]],
    group: Callable[[Table], Sequence[Any]],
    names: Sequence[str],
    stores: Collection[str] | None,
    key_of: Callable[[Row[Any]], tuple[Any, ...]],
) -> dict[tuple[Any, ...], Sums]:
    """Each part (table, its date column, a condition on it) summed per ``group`` and
    added together per ``key_of``."""
    found: dict[tuple[Any, ...], Sums] = {}
    for table, _column, condition in parts:
        columns = group(table)
        statement = select(*columns, *(func.sum(table.c[n]).label(n) for n in names))
        if group is _tier_currency:  # the currency: the store's, or the chain row's
            statement = statement.outerjoin(STORES, STORES.c.code == table.c.store_code)
        statement = statement.where(condition, _store_filter(table.c.store_code, stores))
        statement = statement.group_by(*columns)
        for row in session.execute(statement):
            key = key_of(row)
            found.setdefault(key, Sums(key)).add(row, names)
    return found


def _range_parts(first: date, last: date) -> list[tuple[Table, Any, Any]]:
    spans, months = split(first, last)
    parts = [(DAILY, DAILY.c.business_date, _days_in(DAILY.c.business_date, spans))]
    if months is not None:
        column = MONTHLY.c.month
        parts.append((MONTHLY, column, and_(column >= months[0], column < months[1])))
    return parts


def _through_parts(through: date) -> list[tuple[Table, Any, Any]]:
    month = month_of(through)
    return [
        (MONTHLY, MONTHLY.c.month, MONTHLY.c.month < month),
        (DAILY, DAILY.c.business_date, DAILY.c.business_date.between(month, through)),
    ]


def _tier_currency(table: Table) -> Sequence[Any]:
    return (table.c.tier, _currency(table))


def flows(session: Session, first: date, last: date, stores: Collection[str] | None) -> list[Sums]:
    """Every figure summed from ``first`` to ``last``, per tier and currency."""
    found = _grouped(
        session,
        _range_parts(first, last),
        _tier_currency,
        FIGURES,
        stores,
        lambda r: (r.tier, r.currency),
    )
    return [_named(s, tier=s.key[0], currency=s.key[1]) for s in found.values()]


SERIES = (
    "new_members",
    "active_members",
    "points_issued",
    "points_redeemed",
    "sales_count",
    "returns",
    "at_risk",
    "won_back",
)


def series(
    session: Session,
    first: date,
    last: date,
    stores: Collection[str] | None,
    by_month: bool,
    names: Sequence[str] = SERIES,
) -> dict[date, Sums]:
    """The figures ``names`` of each day (or each month) from ``first`` to ``last``."""
    if not by_month:
        parts = [(DAILY, DAILY.c.business_date, DAILY.c.business_date.between(first, last))]
    else:
        parts = _range_parts(first, last)

    def when(table: Table) -> Sequence[Any]:
        return (table.c.month if table is MONTHLY else table.c.business_date,)

    def key(row: Row[Any]) -> tuple[Any, ...]:
        return (month_of(row[0]) if by_month else row[0],)

    found = _grouped(session, parts, when, names, stores, key)
    return {k[0]: v for k, v in found.items()}


def stocks(session: Session, through: date, stores: Collection[str] | None) -> list[Sums]:
    """Members per tier and the points balance per currency at the end of ``through``
    (every change up to that day: the months before it, then its month's days)."""
    names = ("tier_members", "balance_delta")
    found = _grouped(
        session,
        _through_parts(through),
        _tier_currency,
        names,
        stores,
        lambda r: (r.tier, r.currency),
    )
    return [
        _named(s, tier=s.key[0], currency=s.key[1], members=s.tier_members, balance=s.balance_delta)
        for s in found.values()
    ]


def _named(sums: Sums, **values: Any) -> Sums:
    sums.values.update(values)
    return sums


def active_on(
    session: Session, days: Collection[date], stores: Collection[str] | None
) -> dict[tuple[date, int], int]:
    """Members active within 30 and 90 days at the end of each of ``days``:
    {(day, window): n}, the sum of every change up to the day (the months before it
    from ``dash_active_monthly``, the days of its month from ``dash_active``; a month's
    last day from the months alone)."""
    if not days:
        return {}
    m, a = ACTIVE_MONTHLY.c, ACTIVE.c
    statement = (
        select(m.window_days, m.month, func.sum(m.delta))
        .where(m.month <= month_of(max(days)), _store_filter(m.store_code, stores))
        .group_by(m.window_days, m.month)
    )
    monthly: dict[int, dict[date, int]] = {}
    for window, month, delta in session.execute(statement):
        monthly.setdefault(int(window), {})[month] = int(delta or 0)
    partial = sorted({month_of(d) for d in days if not _month_end(d)})
    daily: dict[int, dict[date, int]] = {}
    if partial:
        spans = [(month, next_month(month) - timedelta(days=1)) for month in partial]
        statement = (
            select(a.window_days, a.day, func.sum(a.delta))
            .where(_days_in(a.day, spans), _store_filter(a.store_code, stores))
            .group_by(a.window_days, a.day)
        )
        for window, day, delta in session.execute(statement):
            daily.setdefault(int(window), {})[day] = int(delta or 0)
    found: dict[tuple[date, int], int] = {}
    for window in set(monthly) | set(daily):
        months = monthly.get(window, {})
        days_of = daily.get(window, {})
        for day in days:
            month = month_of(day)
            total = sum(n for k, n in months.items() if k < month)
            if _month_end(day):
                total += months.get(month, 0)
            else:
                total += sum(n for k, n in days_of.items() if month <= k <= day)
            found[(day, window)] = total
    return found


def coupons(
    session: Session, first: date, last: date, stores: Collection[str] | None
) -> Sequence[Row[Any]]:
    """Coupons issued from ``first`` to ``last`` (UTC days) to the members of these
    stores, per title: issued, used (``dash_coupons``)."""
    c = COUPONS.c
    statement = (
        select(c.title, func.sum(c.issued).label("issued"), func.sum(c.used).label("used"))
        .where(c.day.between(first, last), _coupon_filter(c.store_code, stores))
        .group_by(c.title)
        .order_by(c.title)
    )
    return list(session.execute(statement))


def add_coupons(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add to ``dash_coupons`` (store_code, day, title: issued, used)."""
    _add(session, COUPONS, COUPON_KEY, rows)


def coupons_issued(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Count coupons just inserted (their ``member_id``, ``title``, ``created_at``,
    ``status``) under their member's home store and UTC day of issue."""
    if not rows:
        return
    m = table_of(Member).c
    ids = sorted({str(r["member_id"]) for r in rows})
    homes: dict[str, str] = {}
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        for member_id, home in session.execute(select(m.id, m.store_code).where(m.id.in_(part))):
            homes[member_id] = home
    found: dict[tuple[str, date, str], dict[str, Any]] = {}
    for row in rows:
        key = (homes.get(str(row["member_id"])) or "", utc_day(row["created_at"]), row["title"])
        held = found.setdefault(key, dict(zip(COUPON_KEY, key, strict=True), issued=0, used=0))
        held["issued"] += 1
        held["used"] += 1 if row.get("status") == "redeemed" else 0
    add_coupons(session, list(found.values()))


def utc_day(moment: datetime) -> date:
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


def all_coupons(session: Session) -> Any:
    """Every coupon's title, issue time, status and member's home store (a rebuild)."""
    c, m = table_of(Coupon).c, table_of(Member).c
    statement = select(c.title, c.created_at, c.status, m.store_code).outerjoin(
        table_of(Member), m.id == c.member_id
    )
    return session.execute(statement.execution_options(yield_per=10_000))


def _start(day: date, days: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=days)


# --- rebuilding from the ledger (a job) ---------------------------------------------------


def clear(session: Session) -> None:
    """Empty the roll-ups (before a rebuild)."""
    for table in (DAILY, MONTHLY, ACTIVE, ACTIVE_MONTHLY, MEMBER_DAYS, BUYER_DAYS, COUPONS):
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
    """The accepted ledger events of these members with what the roll-ups need: the
    payload of sales and voids only (a sale's amount, the event a void names), a
    return's accepted amount."""
    e, t, r = table_of(LedgerEvent).c, table_of(Terminal).c, table_of(SaleReturn).c
    statement = (
        select(
            e.event_id,
            e.member_id,
            e.type,
            e.terminal_id,
            t.store_code,
            e.occurred_at,
            e.points_delta,
            case((e.type.in_(("points.earned", "event.voided")), e.payload), else_=None).label(
                "payload"
            ),
            r.accepted_cents,
        )
        .outerjoin(table_of(Terminal), t.id == e.terminal_id)
        .outerjoin(table_of(SaleReturn), r.event_id == e.event_id)
        .where(e.member_id.in_(sorted(member_ids)), e.status == "accepted")
    )
    return list(session.execute(statement))
