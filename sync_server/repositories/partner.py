"""Queries of the partner API (issue 18): channels, members by their keys, history pages,
idempotency records. Nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sync_server.models import (
    Coupon,
    LedgerEvent,
    Member,
    MemberExternalId,
    PartnerChannel,
    PartnerRateWindow,
    PartnerRequest,
    Terminal,
    table_of,
)
from sync_server.repositories.bulk import is_postgres

_E = LedgerEvent


def channel(session: Session, store_code: str, *, lock: bool = False) -> PartnerChannel | None:
    statement = select(PartnerChannel).where(PartnerChannel.store_code == store_code)
    if lock:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def terminal_seq(session: Session, terminal_id: str) -> int:
    found = session.execute(
        select(Terminal.max_seq, Terminal.watermark).where(Terminal.id == terminal_id)
    ).first()
    return 0 if found is None else max(int(found[0]), int(found[1]))


def member(session: Session, member_id: str) -> Member | None:
    return session.get(Member, member_id)


def member_by_code(session: Session, code: str) -> Member | None:
    return session.scalars(select(Member).where(Member.member_code == code)).first()


def members_by_phone_hash(session: Session, phone_hash: str) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .where(Member.phone_hash == phone_hash, Member.status == "active")
            .order_by(Member.enrolled_at)
        )
    )


def member_by_external_id(session: Session, source: str, external_id: str) -> Member | None:
    return session.scalars(
        select(Member)
        .join(MemberExternalId, MemberExternalId.member_id == Member.id)
        .where(MemberExternalId.source == source, MemberExternalId.external_id == external_id)
    ).first()


def external_ids(session: Session, member_id: str) -> list[tuple[str, str]]:
    rows = session.execute(
        select(MemberExternalId.source, MemberExternalId.external_id).where(
            MemberExternalId.member_id == member_id
        )
    ).all()
    return [(str(a), str(b)) for a, b in rows]


def coupons(session: Session, member_id: str) -> list[Coupon]:
    return list(
        session.scalars(
            select(Coupon).where(Coupon.member_id == member_id).order_by(Coupon.created_at)
        )
    )


def history(
    session: Session, member_id: str, before: tuple[datetime, str] | None, limit: int
) -> Sequence[Row[Any]]:
    """The member's ledger rows, newest first, after the keyset ``before``."""
    statement = select(
        _E.event_id,
        _E.type,
        _E.status,
        _E.code,
        _E.occurred_at,
        _E.points_delta,
        _E.member_balance,
        _E.voided_by,
        _E.payload,
    ).where(_E.member_id == member_id)
    if before is not None:
        at, event_id = before
        statement = statement.where(
            or_(_E.occurred_at < at, and_(_E.occurred_at == at, _E.event_id < event_id))
        )
    statement = statement.order_by(_E.occurred_at.desc(), _E.event_id.desc()).limit(limit)
    return list(session.execute(statement))


def stored_event(session: Session, event_id: str) -> Any:
    return session.execute(
        select(_E.payload, _E.status, _E.code, _E.member_balance, _E.member_id).where(
            _E.event_id == event_id
        )
    ).first()


def request(session: Session, key_id: str, idempotency_key: str) -> PartnerRequest | None:
    return session.get(PartnerRequest, (key_id, idempotency_key))


def take_over_request(
    session: Session, key_id: str, idempotency_key: str, created_at: datetime, now: datetime
) -> bool:
    """Claim a pending record left since ``created_at`` (its owner died); True if won."""
    result = session.execute(
        update(PartnerRequest)
        .where(
            PartnerRequest.key_id == key_id,
            PartnerRequest.idempotency_key == idempotency_key,
            PartnerRequest.state == "pending",
            PartnerRequest.created_at == created_at,
        )
        .values(created_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def add_requests(session: Session, key_id: str, minute: int, count: int) -> int:
    """Add ``count`` requests to a key's minute; the total of every process so far."""
    table = table_of(PartnerRateWindow)
    insert = pg_insert if is_postgres(session) else sqlite_insert
    statement = (
        insert(table)
        .values(key_id=key_id, minute=minute, used=count)
        .on_conflict_do_update(
            index_elements=["key_id", "minute"], set_={"used": table.c.used + count}
        )
        .returning(table.c.used)
    )
    return int(session.execute(statement).scalar_one())


def purge_rate_windows(session: Session, before_minute: int) -> None:
    session.execute(delete(PartnerRateWindow).where(PartnerRateWindow.minute < before_minute))
