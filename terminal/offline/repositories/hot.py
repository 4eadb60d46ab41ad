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
from typing import Any

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from terminal.offline.repositories.store import parse_program

# The member's fields a MemberView shows, and what its pending events add.
_MEMBER = """
SELECT m.member_id, m.member_code, m.display_name, m.phone_last4, m.status, m.balance,
    m.lifetime_points,
    (SELECT coalesce(sum(e.points_delta), 0) FROM local_events AS e
        WHERE e.member_id = m.member_id AND e.status = 'pending'),
    (SELECT coalesce(sum(e.lifetime_delta), 0) FROM local_events AS e
        WHERE e.member_id = m.member_id AND e.status = 'pending')"""
# The current program (highest rule version), as ProgramRepository.current reads it.
_PROGRAM = "(SELECT p.program_json FROM program_versions AS p ORDER BY p.rule_version DESC LIMIT 1)"

# A look-up by code: the member, its pending sums and the program, in one statement.
MEMBER_BY_CODE = f"{_MEMBER}, {_PROGRAM}\nFROM members AS m WHERE m.member_code = ?"

MemberRow = tuple[str, str, str, str, str, int, int, int, int]
"""member_id, member_code, display_name, phone_last4, status, balance, lifetime_points,
pending points, pending lifetime points."""


def program_of(program_json: str | None) -> LoyaltyProgram:
    """The program a row's program text stands for (the default one if none was pulled)."""
    return DEFAULT_PROGRAM if program_json is None else parse_program(program_json)


def member_by_code(
    rows: list[Any],
) -> tuple[MemberRow, LoyaltyProgram] | None:
    """The member and program of ``MEMBER_BY_CODE``'s rows, None if there is no member."""
    if not rows:
        return None
    *member, program_json = rows[0]
    return tuple(member), program_of(program_json)  # type: ignore[return-value]


def read_one(connection: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> Any:
    """The first row of a statement (None if none), every row fetched."""
    rows = connection.execute(sql, params).fetchall()
    return rows[0] if rows else None
