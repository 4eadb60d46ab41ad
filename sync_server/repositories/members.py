"""Members: locked reads for the ledger, bulk writes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync_server.models import Member, table_of

MEMBER_COLUMNS = tuple(c.key for c in table_of(Member).columns)


def lock_many(session: Session, member_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """Rows of these members, locked FOR UPDATE in id order (no deadlocks between pushes)."""
    if not member_ids:
        return {}
    table = table_of(Member)
    rows = session.execute(
        select(table)
        .where(table.c.id.in_(sorted(member_ids)))
        .order_by(table.c.id)
        .with_for_update()
    ).mappings()
    return {row["id"]: dict(row) for row in rows}


def get_by_code(session: Session, member_code: str) -> Member | None:
    return session.execute(
        select(Member).where(Member.member_code == member_code)
    ).scalar_one_or_none()


def codes_taken(session: Session, codes: Collection[str]) -> set[str]:
    if not codes:
        return set()
    rows = session.execute(select(Member.member_code).where(Member.member_code.in_(list(codes))))
    return {row[0] for row in rows}


def insert_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(table_of(Member).insert(), list(rows))


def update_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk UPDATE by primary key; each dict holds ``id`` and the columns to set."""
    if rows:
        session.execute(update(Member), list(rows))


def max_code_counter(session: Session, prefix: str) -> int:
    """Highest counter already used under ``prefix`` (head-office minting)."""
    codes = session.execute(
        select(Member.member_code).where(Member.member_code.like(prefix + "%"))
    ).scalars()
    return max((int(code[len(prefix) : -1]) for code in codes), default=0)
