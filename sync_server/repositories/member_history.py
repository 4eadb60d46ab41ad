"""A member's latest transactions at any till, for the member summary a till asks for."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.models import LedgerEvent, Member, Terminal, table_of

_E = table_of(LedgerEvent).c
_T = table_of(Terminal).c

# What a member's history shows: every accepted change of points or coupons, and the
# profile events (enrolment, a replaced card) that explain where the member came from.
HISTORY_TYPES = (
    "member.enrolled",
    "points.earned",
    "points.redeemed",
    "points.adjusted",
    "points.expired",
    "coupon.redeemed",
    "event.voided",
    "member.card_replaced",
)


def member(session: Session, member_id: str) -> Member | None:
    return session.get(Member, member_id)


def latest(session: Session, member_id: str, limit: int) -> list[dict[str, Any]]:
    """The member's newest accepted events (newest first) with their till's store."""
    rows = session.execute(
        select(
            _E.event_id,
            _E.type,
            _E.occurred_at,
            _E.points_delta,
            _E.payload,
            _E.voided_by,
            _T.store_code,
        )
        .outerjoin(table_of(Terminal), _T.id == _E.terminal_id)
        .where(
            _E.member_id == member_id,
            _E.status == "accepted",
            _E.type.in_(HISTORY_TYPES),
        )
        .order_by(_E.occurred_at.desc(), _E.event_id.desc())
        .limit(limit)
    ).mappings()
    return [dict(row) for row in rows]
