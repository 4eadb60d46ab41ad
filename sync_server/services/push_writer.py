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
        "consent_marketing_at": p.consent_marketing_at,
        "previous_codes": p.previous_codes,
        "merged_into": p.merged_into,
        "merged_codes": p.merged_codes,
        "tier_points": member.tier_points,
        "tier_until": member.tier_until,
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
        "terms": coupon.terms,
        "code": coupon.code,
    }


LEDGER_COLUMNS = (
    "event_id",
    "terminal_id",
    "seq",
    "type",
    "member_id",
    "occurred_at",
    "received_at",
    "content_hash",
    "payload",
    "status",
    "code",
    "member_balance",
    "member_version",
    "batch_id",
    "version_slot",
    "overdraft",
    "points_delta",
    "lifetime_delta",
    "voided_by",
    "sale_ref",
)
_BALANCE = ("balance", "lifetime_points", "tier", "updated_at", "tier_points", "tier_until")


class PushWriter:
    def __init__(self, sinks: Mapping[type, Sink] | None = None) -> None:
        self.sinks: dict[type, Sink] = dict(sinks or {})

    def write(self, session: Session, result: LedgerResult, now: datetime) -> int:
        """Persist ``result``; returns the base version (slot ``k`` is ``base + k``)."""
        if changes_repo.versions_first(session):
            return self._write_versions_first(session, result, now)
        return self._write_versions_last(session, result, now)

    def _write_versions_first(self, session: Session, result: LedgerResult, now: datetime) -> int:
        """One writer holds the whole database from BEGIN to COMMIT (SQLite): versions
        are taken first and every row is written once, with its version."""
        base = (
            changes_repo.allocate_versions(session, result.slot_count) if result.slot_count else 0
        )
        _write_ledger(session, result, now, str(uuid.uuid4()), base)
        self._write_common(session, result, now)
        slots = {(c.entity, c.entity_id): c.slot for c in result.changes}
        members = result.members
        versions = {m: base + slots[("member", m)] for m in members}
        members_repo.insert_rows(
            session, [_member_tuple(members[m], versions[m]) for m in result.new_members]
        )
        changed = [m for m in members if m not in result.new_members]
        members_repo.update_rows(
            session,
            [
                _member_tuple(members[m], versions[m])
                for m in changed
                if m in result.profile_changed
            ],
        )
        members_repo.update_balances(
            session,
            [
                (m, *_balance(members[m]), versions[m])
                for m in changed
                if m not in result.profile_changed
            ],
            with_version=True,
        )
        catalog.update_coupon_rows(
            session,
            [
                (c.id, c.status, c.redeemed_event_id, base + slots[("coupon", c.id)])
                for c in result.coupons.values()
            ],
            with_version=True,
        )
        self._write_extra(session, result.extra)
        if result.slot_count:
            changes_repo.write_changes(session, base, _change_rows(result), now)
        return base

    def _write_versions_last(self, session: Session, result: LedgerResult, now: datetime) -> int:
        """Writers run side by side (PostgreSQL): every row is written first, versions
        left as placeholders, then LAST the counter and every version in ONE statement."""
        batch_id = str(uuid.uuid4())
        if result.applied:  # batch row, ledger rows and watermark in one statement
            t = result.terminal
            events_repo.insert_push_rows_pg(
                session,
                batch_id,
                now,
                LEDGER_COLUMNS,
                _ledger_rows(result, now, batch_id),
                (t.id, t.watermark, t.max_seq),
            )
            events_repo.mark_voided(session, result.voided)
        else:
            self._write_common(session, result, now)
        members = result.members
        members_repo.insert_rows(
            session, [_member_tuple(members[m], 0) for m in result.new_members]
        )
        members_repo.update_many(
            session,
            [member_row(members[m]) for m in result.profile_changed if m not in result.new_members],
            version=False,
        )
        catalog.update_coupon_rows(
            session,
            [(c.id, c.status, c.redeemed_event_id) for c in result.coupons.values()],
            with_version=False,
        )
        self._write_extra(session, result.extra)
        if not result.slot_count:
            return 0
        member_slots: dict[str, int] = {}
        coupon_slots: dict[str, int] = {}
        for change in result.changes:
            found = member_slots if change.entity == "member" else coupon_slots
            found[change.entity_id] = change.slot
        stamps = [
            events_repo.batch_stamp(batch_id),
            # the balance columns ride in the same UPDATE: each member row changes once
            members_repo.version_stamp(
                member_slots, _BALANCE, {m: _balance(members[m]) for m in member_slots}
            ),
            catalog.coupon_version_stamp(coupon_slots),
        ]
        return changes_repo.stamp_versions(
            session, result.slot_count, _change_rows(result), stamps, now
        )

    @staticmethod
    def _write_common(session: Session, result: LedgerResult, now: datetime) -> None:
        terminal = result.terminal
        events_repo.mark_voided(session, result.voided)
        terminals_repo.advance(session, terminal.id, terminal.watermark, terminal.max_seq, now)

    def _write_extra(self, session: Session, extra: Sequence[object]) -> None:
        groups: dict[type, list[object]] = {}
        for record in extra:
            groups.setdefault(type(record), []).append(record)
        for kind, records in groups.items():
            sink = self.sinks.get(kind)
            if sink is None:
                raise LookupError(f"no sink writes {kind.__name__} records")
            sink(session, records)


def _write_ledger(
    session: Session, result: LedgerResult, now: datetime, batch_id: str, base: int | None
) -> None:
    """The push's batch row and its ledger rows (each with its slot in the batch)."""
    if not result.applied:
        return
    events_repo.add_batch(session, batch_id, now, base_version=base)
    events_repo.insert_rows(session, LEDGER_COLUMNS, _ledger_rows(result, now, batch_id))


def _ledger_rows(result: LedgerResult, now: datetime, batch_id: str) -> list[tuple[Any, ...]]:
    terminal_id = result.terminal.id
    return [
        _ledger_tuple(a, terminal_id, now, a.outcome.version, batch_id, a.outcome.slot)
        for a in result.applied
    ]


def _ledger_tuple(
    applied: Applied,
    terminal_id: str,
    now: datetime,
    member_version: int | None,
    batch_id: str | None,
    slot: int | None,
) -> tuple[Any, ...]:
    event, outcome = applied.event, applied.outcome
    return (
        event.event_id,
        terminal_id,
        event.seq,
        event.type,
        outcome.member_id,
        event.occurred_at,
        now,
        event.content_hash,
        event.text,
        outcome.status,
        outcome.code,
        outcome.balance,
        member_version,
        batch_id,
        slot,
        outcome.overdraft,
        outcome.points_delta,
        outcome.lifetime_delta,
        None,
        getattr(event.data, "sale_ref", None),  # a sale's receipt number (returns find it)
    )


def _balance(member: MemberState) -> tuple[Any, ...]:
    return (
        member.balance,
        member.lifetime_points,
        member.tier,
        member.updated_at,
        member.tier_points,
        member.tier_until,
    )


def _member_tuple(member: MemberState, version: int) -> tuple[Any, ...]:
    """The member's row in ``members_repo.MEMBER_COLUMNS`` order."""
    row = member_row(member)
    row["version"] = version
    return tuple(row[name] for name in members_repo.MEMBER_COLUMNS)


def _change_rows(result: LedgerResult) -> list[changes_repo.ChangeRow]:
    """The change log rows: each entity's pull data (what a terminal receives)."""
    rows = []
    for change in result.changes:
        if change.entity == "member":
            data = member_data(member_row(result.members[change.entity_id]))
        else:
            data = coupon_data(coupon_row(result.coupons[change.entity_id]))
        rows.append(
            changes_repo.ChangeRow(
                change.entity, change.entity_id, change.slot, "upsert", dumps(data)
            )
        )
    return rows
