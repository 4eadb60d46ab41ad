"""Queries of the notices the maintenance run sends (services/notices.py); never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sync_server.models import LedgerEvent, Member, NoticeSent, table_of
from sync_server.repositories.bulk import is_postgres

_E = table_of(LedgerEvent).c
_M = table_of(Member).c


def claim(session: Session, kind: str, subject_id: str, occasion: str, now: datetime) -> bool:
    """Record that a notice is sent; True only for the call that recorded it first."""
    insert = pg_insert if is_postgres(session) else sqlite_insert
    statement = (
        insert(table_of(NoticeSent))
        .values(kind=kind, subject_id=subject_id, occasion=occasion, sent_at=now)
        .on_conflict_do_nothing()
        .returning(table_of(NoticeSent).c.kind)
    )
    return session.execute(statement).first() is not None


def earned_between(
    session: Session, first: datetime, last: datetime, after: str, limit: int
) -> list[str]:
    """Active members with points left and a standing earn in ``(first, last]``, in id
    order after ``after``: those with points whose expiry falls in the window ahead."""
    rows = session.execute(
        select(_E.member_id)
        .join(table_of(Member), _M.id == _E.member_id)
        .where(
            _E.type.in_(("points.earned", "points.adjusted")),
            _E.status == "accepted",
            _E.voided_by.is_(None),
            _E.points_delta > 0,
            _E.occurred_at > first,
            _E.occurred_at <= last,
            _E.member_id > after,
            _M.balance > 0,
            _M.status == "active",
        )
        .group_by(_E.member_id)
        .order_by(_E.member_id)
        .limit(limit)
    )
    return [row[0] for row in rows]


def last_seen_between(
    session: Session, first: datetime, last: datetime, after: str, limit: int
) -> list[Any]:
    """Active members whose last visit (an event a till recorded) lies in ``[first,
    last)``: (member id, member code, last visit), in id order after ``after``."""
    later = aliased_events()
    seen_since = exists(
        select(later.member_id).where(
            and_(
                later.member_id == _E.member_id,
                later.terminal_id.is_not(None),
                later.occurred_at >= last,
            )
        )
    )
    rows = session.execute(
        select(_E.member_id, _M.member_code, _E.occurred_at)
        .join(table_of(Member), _M.id == _E.member_id)
        .where(
            _E.terminal_id.is_not(None),
            _E.occurred_at >= first,
            _E.occurred_at < last,
            _E.member_id > after,
            _M.status == "active",
            ~seen_since,
        )
        .order_by(_E.member_id, _E.occurred_at.desc())
        .limit(limit * 8)
    ).all()
    latest: dict[str, Any] = {}
    for row in rows:
        latest.setdefault(row[0], row)
    return list(latest.values())[:limit]


def aliased_events() -> Any:
    return table_of(LedgerEvent).alias("later").c
