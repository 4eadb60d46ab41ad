"""Helpers shared by the contract tests."""

from __future__ import annotations

from sqlalchemy import text

from tests.contract.conftest import HeadOffice, Till


def a_member(till: Till, min_balance: int = 0, max_balance: int = 10**9) -> str:
    """A seeded, active member's code with a balance in the range given."""
    for prefix in ("王", "李", "张", "刘", "陈", "J", "M"):
        for hit in till.services.lookup.by_name(prefix, page=0).items:
            if min_balance <= hit.balance <= max_balance and hit.status == "active":
                return hit.member_code
    raise AssertionError("seed has no such member")


def server_events(head_office: HeadOffice, terminal_id: str) -> list[tuple[int, str]]:
    with head_office.database.read() as session:
        rows = session.execute(
            text("SELECT seq, event_id FROM events WHERE terminal_id = :t ORDER BY seq"),
            {"t": terminal_id},
        ).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def server_balance(till: Till, member_code: str) -> int:
    """What the server says, as pulled into the replica (no pending events left)."""
    member = till.services.lookup.by_code(member_code)
    assert member.pending_points == 0
    return member.server_balance
