"""The two operations a cashier waits on, in plain SQL on the DB-API connection.

A look-up by code and an earn run thousands of times a day with a customer at the
counter; through an ORM session each cost several times SQLite's own work. Here each
is a fixed SQL text (prepared once, kept in sqlite3's statement cache) run on the
replica's own connection (``Replica.fetch`` / ``Replica.write_driver``), returning
plain tuples. What they read and write is exactly what the ORM path reads and writes:
the same tables, the same pending-event rule (a member's own unacknowledged events).
"""

from __future__ import annotations

import sqlite3
from typing import Any, NamedTuple

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from terminal.offline.repositories.earn_history import StorePlace
from terminal.offline.repositories.store import no_store, parse_program

# The member's fields a MemberView shows, and what its pending events add.
_MEMBER = """
SELECT m.member_id, m.member_code, m.display_name, m.phone_last4, m.status, m.balance,
    m.lifetime_points,
    (SELECT coalesce(sum(e.points_delta), 0) FROM local_events AS e
        WHERE e.member_id = m.member_id AND e.status = 'pending'),
    (SELECT coalesce(sum(e.lifetime_delta), 0) FROM local_events AS e
        WHERE e.member_id = m.member_id AND e.status = 'pending'),
    m.tier_points,
    (SELECT group_concat(e.occurred_at || '=' || e.lifetime_delta, ' ') FROM local_events AS e
        WHERE e.member_id = m.member_id AND e.status = 'pending' AND e.lifetime_delta != 0)"""
# The current program (highest rule version), as ProgramRepository.current reads it.
_PROGRAM = "(SELECT p.program_json FROM program_versions AS p ORDER BY p.rule_version DESC LIMIT 1)"

# A look-up by code: the member, its pending sums and the program, in one statement.
MEMBER_BY_CODE = f"{_MEMBER}, {_PROGRAM}\nFROM members AS m WHERE m.member_code = ?"

MemberRow = tuple[str, str, str, str, str, int, int, int, int, str | None, str | None]
"""member_id, member_code, display_name, phone_last4, status, balance, lifetime_points,
pending points, pending lifetime points, the server's monthly tier totals
(``tier_points``), the pending events' lifetime points by time (``"occurred_at=points
..."``, ``shared.domain.tier_rules.pending_of``)."""


def program_of(program_json: str | None) -> LoyaltyProgram:
    """The program a row's program text stands for (the default one if none was pulled)."""
    return DEFAULT_PROGRAM if program_json is None else parse_program(program_json)


def member_by_code(rows: list[Any]) -> tuple[MemberRow, LoyaltyProgram] | None:
    """The member and program of ``MEMBER_BY_CODE``'s rows, None if there is no member."""
    if not rows:
        return None
    row = rows[0]
    member: MemberRow = row[:11]
    return member, program_of(row[11])


def read_one(connection: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> Any:
    """The first row of a statement (None if none), every row fetched."""
    rows = connection.execute(sql, params).fetchall()
    return rows[0] if rows else None


# Everything an earn reads, in one statement of its write transaction: the program, the
# staff member, the store, the terminal's identity and next seq, the member with its
# pending sums, and whether this sale already earned. Each part is NULL when its row is
# missing (the outer joins from one row), so the caller refuses in the ORM path's order.
EARN_CONTEXT = """
SELECT p.program_json, s.active, st.currency, st.timezone, st.closing_time, st.store_code,
    t.terminal_id, t.member_code_prefix, t.next_seq,
    mm.member_id, mm.member_code, mm.display_name, mm.phone_last4, mm.status, mm.balance,
    mm.lifetime_points, mm.pending_points, mm.pending_lifetime, mm.duplicate,
    mm.tier_points, mm.pending_tier
FROM (SELECT 1) AS one
LEFT JOIN (SELECT program_json FROM program_versions ORDER BY rule_version DESC LIMIT 1) AS p
LEFT JOIN staff AS s ON s.staff_id = :staff_id
LEFT JOIN store_settings AS st ON st.id = 1
LEFT JOIN terminal_state AS t ON t.id = 1
LEFT JOIN (
    SELECT m.member_id, m.member_code, m.display_name, m.phone_last4, m.status, m.balance,
        m.lifetime_points,
        (SELECT coalesce(sum(e.points_delta), 0) FROM local_events AS e
            WHERE e.member_id = m.member_id AND e.status = 'pending') AS pending_points,
        (SELECT coalesce(sum(e.lifetime_delta), 0) FROM local_events AS e
            WHERE e.member_id = m.member_id AND e.status = 'pending') AS pending_lifetime,
        EXISTS (SELECT 1 FROM local_events AS d WHERE d.member_id = m.member_id
            AND d.type = :type AND d.sale_ref = :sale_ref) AS duplicate,
        m.tier_points,
        (SELECT group_concat(e.occurred_at || '=' || e.lifetime_delta, ' ')
            FROM local_events AS e WHERE e.member_id = m.member_id
            AND e.status = 'pending' AND e.lifetime_delta != 0) AS pending_tier
    FROM members AS m WHERE m.member_id = :member_id
) AS mm
"""


class SaleContext(NamedTuple):
    """One row of ``EARN_CONTEXT``."""

    program_json: str | None
    staff_active: bool | None
    currency: str | None
    timezone: str | None
    closing_time: str | None
    store_code: str | None
    terminal_id: str | None
    member_code_prefix: str | None
    next_seq: int | None
    member_id: str | None
    member_code: str
    display_name: str
    phone_last4: str
    status: str | None
    balance: int
    lifetime_points: int
    pending_points: int
    pending_lifetime: int
    duplicate: int | None
    tier_points: str | None
    pending_tier: str | None

    def member_row(self, *, points: int = 0, lifetime: int = 0) -> MemberRow:
        """The member as a ``MemberRow``, with this transaction's own event added."""
        assert self.member_id is not None
        assert self.status is not None
        return (
            self.member_id,
            self.member_code,
            self.display_name,
            self.phone_last4,
            self.status,
            self.balance,
            self.lifetime_points,
            self.pending_points + points,
            self.pending_lifetime + lifetime,
            self.tier_points,
            self.pending_tier,
        )

    def place(self) -> StorePlace:
        """The store as promotions ask for it (``no_store`` if it has no settings)."""
        if self.store_code is None or self.timezone is None or self.closing_time is None:
            raise no_store()
        return StorePlace(self.store_code, self.timezone, self.closing_time)


def sale_context(
    connection: sqlite3.Connection, *, staff_id: str, member_id: str, type_: str, sale_ref: str
) -> SaleContext:
    params = {"staff_id": staff_id, "member_id": member_id, "type": type_, "sale_ref": sale_ref}
    return SaleContext(*connection.execute(EARN_CONTEXT, params).fetchall()[0])


# What an earn preview reads, in one statement: the program, the store, the member's
# status and its lifetime points with what its pending events add. NULL parts as above.
PREVIEW_CONTEXT = """
SELECT p.program_json, st.store_code, st.timezone, st.closing_time,
    mm.status, mm.lifetime_points, mm.pending_lifetime, st.currency
FROM (SELECT 1) AS one
LEFT JOIN (SELECT program_json FROM program_versions ORDER BY rule_version DESC LIMIT 1) AS p
LEFT JOIN store_settings AS st ON st.id = 1
LEFT JOIN (
    SELECT m.status, m.lifetime_points,
        (SELECT coalesce(sum(e.lifetime_delta), 0) FROM local_events AS e
            WHERE e.member_id = m.member_id AND e.status = 'pending') AS pending_lifetime
    FROM members AS m WHERE m.member_id = ?
) AS mm
"""


class PreviewContext(NamedTuple):
    """One row of ``PREVIEW_CONTEXT``."""

    program_json: str | None
    store_code: str | None
    timezone: str | None
    closing_time: str | None
    status: str | None
    lifetime_points: int
    pending_lifetime: int
    currency: str | None  # the store's: picks the program's earn units for it

    def place(self) -> StorePlace:
        if self.store_code is None or self.timezone is None or self.closing_time is None:
            raise no_store()
        return StorePlace(self.store_code, self.timezone, self.closing_time)


def preview_context(connection: sqlite3.Connection, member_id: str) -> PreviewContext:
    return PreviewContext(*connection.execute(PREVIEW_CONTEXT, (member_id,)).fetchall()[0])
