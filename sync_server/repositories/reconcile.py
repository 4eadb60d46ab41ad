"""Queries behind reconciliation and its exceptions (they never commit)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync_server.models import DayClose, LedgerEvent, Member, Store, Terminal

_E = LedgerEvent


def terminals_with_stores(session: Session) -> list[tuple[Terminal, Store]]:
    rows = session.execute(
        select(Terminal, Store)
        .join(Store, Store.code == Terminal.store_code)
        .order_by(Terminal.store_code, Terminal.name)
    ).all()
    return [(t, s) for t, s in rows]


def day_closes(session: Session, first: date, last: date) -> list[DayClose]:
    return list(
        session.scalars(
            select(DayClose).where(DayClose.business_date >= first, DayClose.business_date <= last)
        ).all()
    )


def has_events_between(
    session: Session, terminal_id: str, since: datetime, until: datetime
) -> bool:
    """Whether the terminal recorded an event in [since, until) (an index seek)."""
    found = session.scalar(
        select(_E.event_id)
        .where(_E.terminal_id == terminal_id, _E.occurred_at >= since, _E.occurred_at < until)
        .limit(1)
    )
    return found is not None


def events_of_terminal(
    session: Session, terminal_id: str, since: datetime, until: datetime, seqs: tuple[int, int]
) -> list[dict[str, Any]]:
    """A terminal's events in a time window or a seq range, with the member's code."""
    window = (_E.occurred_at >= since) & (_E.occurred_at < until)
    in_range = (_E.seq >= seqs[0]) & (_E.seq <= seqs[1])
    rows = session.execute(
        select(
            _E.event_id,
            _E.seq,
            _E.type,
            _E.status,
            _E.code,
            _E.occurred_at,
            _E.points_delta,
            _E.overdraft,
            _E.member_id,
            Member.member_code,
        )
        .outerjoin(Member, Member.id == _E.member_id)
        .where(_E.terminal_id == terminal_id, window | in_range)
        .order_by(_E.seq)
    ).mappings()
    return [dict(row) for row in rows]


def rejected_events(session: Session, limit: int = 500) -> list[dict[str, Any]]:
    rows = session.execute(
        select(_E.event_id, _E.terminal_id, _E.seq, _E.type, _E.code, _E.occurred_at)
        .where(_E.status == "rejected")
        .order_by(_E.received_at.desc())
        .limit(limit)
    ).mappings()
    return [dict(row) for row in rows]


def shared_phone_hashes(session: Session, limit: int = 500) -> list[str]:
    """Phone hashes held by more than one live member."""
    rows = session.execute(
        select(Member.phone_hash)
        .where(Member.status != "erased", Member.phone_hash != "")
        .group_by(Member.phone_hash)
        .having(func.count() > 1)
        .limit(limit)
    ).all()
    return [str(row[0]) for row in rows]


def members_with_phone_hashes(session: Session, hashes: list[str]) -> list[dict[str, Any]]:
    if not hashes:
        return []
    enrolled_by = (
        select(_E.terminal_id)
        .where(_E.member_id == Member.id, _E.type == "member.enrolled")
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Member.id,
            Member.member_code,
            Member.name,
            Member.phone_masked,
            Member.phone_hash,
            Member.store_code,
            Member.enrolled_at,
            enrolled_by.label("terminal_id"),
        )
        .where(Member.phone_hash.in_(hashes), Member.status != "erased")
        .order_by(Member.phone_hash, Member.enrolled_at)
    ).mappings()
    return [dict(row) for row in rows]


def received_later_seq(session: Session, terminal_id: str, above_seq: int, after: datetime) -> bool:
    """Did the server receive, after ``after``, an event of this terminal with a higher seq?"""
    found = session.scalar(
        select(_E.event_id)
        .where(_E.terminal_id == terminal_id, _E.seq > above_seq, _E.received_at > after)
        .limit(1)
    )
    return found is not None
