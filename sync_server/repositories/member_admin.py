"""Member queries for head office: search, last visit, segments, ledger (never commit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import extract, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from sync_server.models import Coupon, LedgerEvent, Member

_E = LedgerEvent


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def last_visits() -> Any:
    """Subquery: member_id -> the last time a terminal recorded an event for the member."""
    return (
        select(_E.member_id.label("member_id"), func.max(_E.occurred_at).label("last_visit"))
        .where(_E.terminal_id.is_not(None))
        .group_by(_E.member_id)
        .subquery()
    )


def search(session: Session, query: str, limit: int) -> list[Member]:
    """By member code, phone last 4, or a piece of the name (bound parameters only)."""
    text = query.strip()
    conditions: list[ColumnElement[bool]] = [Member.name.ilike(_like(text), escape="\\")]
    if text.isdigit():
        conditions += [Member.member_code == text, Member.phone_last4 == text[-4:]]
    return list(
        session.scalars(
            select(Member)
            .where(Member.status != "erased", or_(*conditions))
            .order_by(Member.member_code)
            .limit(limit)
        ).all()
    )


def by_code(session: Session, member_code: str) -> Member | None:
    return session.scalars(select(Member).where(Member.member_code == member_code)).one_or_none()


def last_visit(session: Session, member_id: str) -> datetime | None:
    value = session.scalar(
        select(func.max(_E.occurred_at)).where(
            _E.member_id == member_id, _E.terminal_id.is_not(None)
        )
    )
    return value if isinstance(value, datetime) else None


def ledger(session: Session, member_id: str, limit: int = 500) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            _E.event_id,
            _E.terminal_id,
            _E.seq,
            _E.type,
            _E.status,
            _E.code,
            _E.occurred_at,
            _E.points_delta,
            _E.member_balance,
            _E.overdraft,
            _E.voided_by,
        )
        .where(_E.member_id == member_id)
        .order_by(_E.occurred_at)
        .limit(limit)
    ).mappings()
    return [dict(row) for row in rows]


def coupons_of(session: Session, member_id: str) -> list[Coupon]:
    return list(session.scalars(select(Coupon).where(Coupon.member_id == member_id)).all())


def profile_events(session: Session, member_id: str) -> list[tuple[str, str]]:
    """(event_id, payload) of the events that carry personal data (enrolment, updates)."""
    rows = session.execute(
        select(_E.event_id, _E.payload).where(
            _E.member_id == member_id, _E.type.in_(("member.enrolled", "member.updated"))
        )
    ).all()
    return [(str(a), str(b)) for a, b in rows]


def set_payload(session: Session, event_id: str, payload: str, content_hash: str) -> None:
    session.execute(
        update(_E).where(_E.event_id == event_id).values(payload=payload, content_hash=content_hash)
    )


def segment(
    session: Session,
    *,
    tier: str | None,
    birthday_month: int | None,
    not_seen_since: datetime | None,
    limit: int,
) -> list[tuple[Member, datetime | None]]:
    """Active members matching every criterion given, with their last visit."""
    visits = last_visits()
    query = (
        select(Member, visits.c.last_visit)
        .outerjoin(visits, visits.c.member_id == Member.id)
        .where(Member.status == "active")
    )
    if tier:
        query = query.where(Member.tier == tier)
    if birthday_month:
        query = query.where(extract("month", Member.birthday) == birthday_month)
    if not_seen_since is not None:
        query = query.where(
            or_(
                visits.c.last_visit < not_seen_since,
                (visits.c.last_visit.is_(None)) & (Member.enrolled_at < not_seen_since),
            )
        )
    query = query.order_by(
        visits.c.last_visit.is_(None).desc(), visits.c.last_visit, Member.member_code
    )
    return [(m, v) for m, v in session.execute(query.limit(limit)).all()]
