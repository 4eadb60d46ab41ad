"""The writer: persist what the ledger decided, in the push's transaction.

Order matters (PROTOCOL.md, "versions in commit order"): every row is written first,
with versions left as placeholders (ledger rows carry a slot of their push batch);
then, LAST, the version counter is taken and everything that carries a version is
stamped in ONE statement on PostgreSQL (``changes.stamp_versions``), so the counter's
lock is held for that statement and the commit only.

Extension point: rows other parts of the product add to the same transaction (an
outbox of domain events for webhooks, daily roll-ups) come as typed records in
``LedgerResult.extra``; a :data:`Sink` registered for the record's type writes them,
before the versions, with the rest of the push.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sync_server.repositories import catalog
from sync_server.repositories import changes as changes_repo
from sync_server.repositories import events as events_repo
from sync_server.repositories import members as members_repo
from sync_server.repositories import terminals as terminals_repo
from sync_server.services.common import coupon_data, dumps, member_data
from sync_server.services.push_state import (
    Applied,
    CouponState,
    LedgerResult,
    MemberState,
)

# Writes a group of extra records of one type (see the module docstring).
Sink = Callable[[Session, Sequence[Any]], None]


def member_row(member: MemberState) -> dict[str, Any]:
    """Every column of the member's row (``version`` as the state holds it)."""
    p = member.profile
    return {
        "id": member.id,
        "member_code": p.member_code,
        "name": p.name,
        "phone_e164": p.phone_e164,
        "phone_hash": p.phone_hash,
        "phone_last4": p.phone_last4,
        "phone_masked": p.phone_masked,
        "phone_slow_hash": p.phone_slow_hash,
        "email": p.email,
        "birthday": p.birthday,
        "consent_marketing": p.consent_marketing,
        "balance": member.balance,
        "lifetime_points": member.lifetime_points,
        "tier": member.tier,
        "status": member.status,
        "version": member.version,
        "store_code": p.store_code,
        "enrolled_at": p.enrolled_at,
        "updated_at": member.updated_at,
    }


def coupon_row(coupon: CouponState) -> dict[str, Any]:
    return {
        "id": coupon.id,
        "member_id": coupon.member_id,
        "title": coupon.title,
        "value_cents": coupon.value_cents,
        "currency": coupon.currency,
        "expires_at": coupon.expires_at,
        "status": coupon.status,
        "redeemed_event_id": coupon.redeemed_event_id,
        "version": coupon.version,
    }


def ledger_row(applied: Applied, terminal_id: str, batch_id: str, now: datetime) -> dict[str, Any]:
    event, outcome = applied.event, applied.outcome
    return {
        "event_id": event.event_id,
        "terminal_id": terminal_id,
        "seq": event.seq,
        "type": event.type,
        "member_id": outcome.member_id,
        "occurred_at": event.occurred_at,
        "received_at": now,
        "content_hash": event.content_hash,
        "payload": event.text,
        "status": outcome.status,
        "code": outcome.code,
        "member_balance": outcome.balance,
        "member_version": outcome.version,
        "batch_id": batch_id,
        "version_slot": outcome.slot,
        "overdraft": outcome.overdraft,
        "points_delta": outcome.points_delta,
        "lifetime_delta": outcome.lifetime_delta,
        "voided_by": None,
    }


class PushWriter:
    def __init__(self, sinks: Mapping[type, Sink] | None = None) -> None:
        self.sinks: dict[type, Sink] = dict(sinks or {})

    def write(self, session: Session, result: LedgerResult, now: datetime) -> int:
        """Persist ``result``; returns the base version (slot ``k`` is ``base + k``)."""
        terminal = result.terminal
        batch_id = str(uuid.uuid4())
        if result.applied:
            events_repo.add_batch(session, batch_id, now)
            events_repo.insert_many(
                session, [ledger_row(a, terminal.id, batch_id, now) for a in result.applied]
            )
        events_repo.mark_voided(session, result.voided)
        terminals_repo.advance(session, terminal.id, terminal.watermark, terminal.max_seq, now)
        self._write_members(session, result)
        catalog.update_coupons(
            session,
            [
                {"id": c.id, "status": c.status, "redeemed_event_id": c.redeemed_event_id}
                for c in result.coupons.values()
            ],
            version=False,
        )
        self._write_extra(session, result.extra)
        return self._stamp_versions(session, result, batch_id, now)

    @staticmethod
    def _write_members(session: Session, result: LedgerResult) -> None:
        """Members, all but their ``version`` (stamped with the counter)."""
        members = result.members
        members_repo.insert_many(session, [member_row(members[m]) for m in result.new_members])
        old = [m for m in members if m not in result.new_members]
        profile = [member_row(members[m]) for m in old if m in result.profile_changed]
        members_repo.update_many(session, profile, version=False)
        balance = [
            {
                "id": m,
                "balance": members[m].balance,
                "lifetime_points": members[m].lifetime_points,
                "tier": members[m].tier,
                "updated_at": members[m].updated_at,
            }
            for m in old
            if m not in result.profile_changed
        ]
        members_repo.update_many(session, balance, profile=False, version=False)

    def _write_extra(self, session: Session, extra: Sequence[object]) -> None:
        groups: dict[type, list[object]] = {}
        for record in extra:
            groups.setdefault(type(record), []).append(record)
        for kind, records in groups.items():
            sink = self.sinks.get(kind)
            if sink is None:
                raise LookupError(f"no sink writes {kind.__name__} records")
            sink(session, records)

    @staticmethod
    def _stamp_versions(
        session: Session, result: LedgerResult, batch_id: str, now: datetime
    ) -> int:
        """LAST: the version counter, with everything that carries a version."""
        if not result.slot_count:
            return 0
        rows = []
        member_slots: dict[str, int] = {}
        coupon_slots: dict[str, int] = {}
        for change in result.changes:
            if change.entity == "member":
                data = member_data(member_row(result.members[change.entity_id]))
                member_slots[change.entity_id] = change.slot
            else:
                data = coupon_data(coupon_row(result.coupons[change.entity_id]))
                coupon_slots[change.entity_id] = change.slot
            rows.append(
                changes_repo.ChangeRow(
                    change.entity, change.entity_id, change.slot, "upsert", dumps(data)
                )
            )
        stamps = [
            events_repo.batch_stamp(batch_id),
            members_repo.version_stamp(member_slots),
            catalog.coupon_version_stamp(coupon_slots),
        ]
        return changes_repo.stamp_versions(session, result.slot_count, rows, stamps, now)
