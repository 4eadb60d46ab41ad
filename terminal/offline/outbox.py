"""Writing an event: local row, outbox row with the wire payload, seq allocation.

``record_event`` runs inside the caller's write transaction together with the event's
effect on the replica, so all of them commit or none does.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.orm import Session

from shared.domain.business_day import business_date
from shared.errors import ValidationFailed
from shared.ids import uuid7
from shared.protocol import Event
from terminal.offline.clock import to_text
from terminal.offline.models import LocalEvent, OutboxRow
from terminal.offline.repositories import EventRepository, StoreRepository, TerminalStateRepository

PROFILE_PII = ("phone", "email", "birthday")
PROFILE_TYPES = ("member.enrolled", "member.updated")


@dataclass(frozen=True, slots=True)
class NewEvent:
    type: str
    member_id: str
    data: dict[str, Any]
    staff_id: str | None = None
    points_delta: int = 0
    lifetime_delta: int = 0
    amount_cents: int | None = None
    sale_ref: str | None = None
    coupon_id: str | None = None
    voided_event_id: str | None = None
    returned_event_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def record_event(session: Session, new: NewEvent, *, occurred_at: datetime) -> LocalEvent:
    """Add the local event and its outbox row; seq comes from this same transaction."""
    state = TerminalStateRepository(session).require_identity()
    store = StoreRepository(session).require()
    event_id = uuid7()
    seq = TerminalStateRepository(session).allocate_seq()
    assert state.terminal_id is not None
    payload = wire_payload(new, event_id, seq, state.terminal_id, occurred_at)
    day = business_date(occurred_at, store.timezone, store.closing_time)
    local = LocalEvent(
        event_id=str(event_id),
        seq=seq,
        type=new.type,
        member_id=new.member_id,
        occurred_at=to_text(occurred_at),
        business_date=day.isoformat(),
        staff_id=new.staff_id,
        points_delta=new.points_delta,
        lifetime_delta=new.lifetime_delta,
        amount_cents=new.amount_cents,
        sale_ref=new.sale_ref,
        coupon_id=new.coupon_id,
        voided_event_id=new.voided_event_id,
        returned_event_id=new.returned_event_id,
        status="pending",
    )
    outbox = OutboxRow(
        seq=seq,
        event_id=str(event_id),
        payload=payload,
        status="pending",
        attempts=0,
        created_at=to_text(occurred_at),
    )
    EventRepository(session).add(local, outbox)
    return local


def wire_payload(
    new: NewEvent, event_id: UUID, seq: int, terminal_id: str, occurred_at: datetime
) -> str:
    """The outbox payload: the protocol ``Event`` as JSON (``invalid_input`` if not valid)."""
    try:
        wire = Event(
            event_id=event_id,
            terminal_id=terminal_id,
            seq=seq,
            type=new.type,
            occurred_at=occurred_at,
            staff_id=new.staff_id,
            member_id=new.member_id,
            data=new.data,
        )
    except ValidationError as exc:
        raise ValidationFailed(
            f"The event is not valid: {exc.errors()[0]['msg']}", code="invalid_input"
        ) from None
    return json.dumps(wire.model_dump(mode="json"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Appended:
    event_id: str
    seq: int
    type: str
    business_date: str


NEXT_SEQ_SQL = "UPDATE terminal_state SET next_seq = ? WHERE id = 1"
INSERT_EVENT_SQL = """
INSERT INTO local_events (event_id, seq, type, member_id, occurred_at, business_date,
    staff_id, points_delta, lifetime_delta, amount_cents, sale_ref, coupon_id,
    voided_event_id, voided_by, status)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 'pending')"""
INSERT_OUTBOX_SQL = """
INSERT INTO outbox (seq, event_id, payload, status, attempts, last_error, rejection_code,
    rejection_detail, created_at, settled_at)
VALUES (?, ?, ?, 'pending', 0, NULL, NULL, NULL, ?, NULL)"""


def append_event(
    connection: sqlite3.Connection,
    new: NewEvent,
    *,
    occurred_at: datetime,
    seq: int,
    terminal_id: str,
    timezone: str,
    closing_time: str,
) -> Appended:
    """``record_event`` on the DB-API connection of a ``Replica.write_driver``
    transaction: the same rows (event, outbox payload, next seq), three statements.

    ``seq`` is the terminal's ``next_seq`` read in this same transaction (its write lock
    is held from ``BEGIN IMMEDIATE``, so nobody else takes that seq meanwhile)."""
    event_id = uuid7()
    payload = wire_payload(new, event_id, seq, terminal_id, occurred_at)
    day = business_date(occurred_at, timezone, closing_time).isoformat()
    at = to_text(occurred_at)
    key = str(event_id)
    connection.execute(NEXT_SEQ_SQL, (seq + 1,))
    connection.execute(
        INSERT_EVENT_SQL,
        (key, seq, new.type, new.member_id, at, day, new.staff_id, new.points_delta,
         new.lifetime_delta, new.amount_cents, new.sale_ref, new.coupon_id,
         new.voided_event_id),
    )  # fmt: skip
    connection.execute(INSERT_OUTBOX_SQL, (seq, key, payload, at))
    return Appended(key, seq, new.type, day)


def purge_profile_pii(row: OutboxRow) -> None:
    """Drop phone, email and birthday from a settled enrolment or profile update."""
    payload = json.loads(row.payload)
    if payload.get("type") not in PROFILE_TYPES:
        return
    data = payload.get("data", {})
    for key in PROFILE_PII:
        data.pop(key, None)
    row.payload = json.dumps(payload, ensure_ascii=False)
