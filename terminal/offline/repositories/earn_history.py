"""What this till knows of a member's past purchases: for promotions' member facts
and their trigger limits (never commits).

Plain SQL on the replica's DB-API connection, inside the caller's transaction (the
earn's ``Replica.write_driver``, the preview's ``Replica.read_driver``): the earn with
promotions runs on the same one-transaction path as the base program's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from terminal.offline.clock import from_text


@dataclass(frozen=True, slots=True)
class EarnHistory:
    """This member's earns recorded here (not voided, not rejected): how many, the last."""

    count: int
    last_at: datetime | None


@dataclass(frozen=True, slots=True)
class StorePlace:
    """What promotions ask of the store: its code, time zone and closing time."""

    store_code: str
    timezone: str
    closing_time: str


_HISTORY = """
SELECT count(*), max(occurred_at) FROM local_events
WHERE member_id = ? AND type = 'points.earned' AND status != 'rejected'
    AND voided_by IS NULL"""


def earn_history(connection: sqlite3.Connection, member_id: str) -> EarnHistory:
    count, last = connection.execute(_HISTORY, (member_id,)).fetchall()[0]
    return EarnHistory(int(count), from_text(last) if last else None)


_PROMOTION_DAYS = """
SELECT p.code, p.business_date FROM earn_promotions AS p
JOIN local_events AS e ON e.event_id = p.event_id
WHERE p.member_id = ? AND e.status != 'rejected' AND e.voided_by IS NULL"""


def promotion_days(
    connection: sqlite3.Connection, member_id: str, codes: Collection[str]
) -> dict[str, list[date]]:
    """Promotion code -> the business days this member's earns here received it (earns
    not voided, not rejected), for ``codes``. One statement: a member has few such rows
    (only limited promotions are recorded)."""
    if not codes:
        return {}
    found: dict[str, list[date]] = {}
    for code, day in connection.execute(_PROMOTION_DAYS, (member_id,)).fetchall():
        if code in codes:
            found.setdefault(code, []).append(date.fromisoformat(day))
    return found


_RECORD = (
    "INSERT INTO earn_promotions (event_id, code, member_id, business_date) VALUES (?, ?, ?, ?)"
)


def record_promotions(
    connection: sqlite3.Connection,
    *,
    event_id: str,
    member_id: str,
    business_date: str,
    codes: Sequence[str],
) -> None:
    """The promotions this earn received, beside its event (same transaction, after
    the event's row)."""
    connection.executemany(_RECORD, [(event_id, code, member_id, business_date) for code in codes])
