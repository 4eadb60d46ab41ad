"""Applying pulled changes to the replica (only when their version is newer).

Member upserts, the bulk of a bootstrap, go in one ``INSERT ... ON CONFLICT DO UPDATE``
per page (guarded by the version); everything else goes one change at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from shared.domain.phone import mask_last4
from shared.domain.program import LoyaltyProgram
from shared.protocol import Change, CouponData, MemberData, StaffData
from terminal.offline.clock import to_text
from terminal.offline.models import Coupon, LocalEvent, Member, Staff
from terminal.offline.repositories import (
    ProgramRepository,
    StaffRepository,
    name_key,
)


def apply_changes(session: Session, changes: Sequence[Change]) -> int:
    """Apply a page of changes; returns how many were newer than what the replica held.

    Member upserts first (coupons refer to members), then coupon upserts, each in bulk;
    then deletes, staff and programs one by one, in the order the server sent them.
    """
    members = [c for c in changes if c.entity == "member" and c.op == "upsert"]
    coupons = [c for c in changes if c.entity == "coupon" and c.op == "upsert"]
    applied = _member_upserts(session, members) if members else 0
    applied += _coupon_upserts(session, coupons) if coupons else 0
    for change in changes:
        if not (change.entity in ("member", "coupon") and change.op == "upsert"):
            applied += apply_change(session, change)
    session.expire_all()
    return applied


def _chunks(values: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


def _upsert(
    session: Session, model: type[Member] | type[Coupon], key: str, rows: list[dict[str, Any]]
) -> int:
    """INSERT .. ON CONFLICT DO UPDATE, only where the pulled version is newer (Core
    executemany: no ORM bookkeeping for thousands of rows)."""
    if not rows:
        return 0
    table = cast(Table, model.__table__)
    connection = session.connection()
    before = connection.exec_driver_sql("SELECT total_changes()").scalar_one()
    statement = sqlite_insert(table)
    fresh = statement.excluded
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c[key]],
            set_={name: fresh[name] for name in rows[0] if name != key},
            where=table.c.version < fresh.version,
        ),
        rows,
    )
    return int(connection.exec_driver_sql("SELECT total_changes()").scalar_one() - before)


def _member_row(change: Change) -> dict[str, Any]:
    data = MemberData.model_validate(change.data or {})
    return {
        "member_id": change.id,
        "member_code": data.member_code,
        "display_name": data.display_name,
        "name_key": name_key(data.display_name),
        "phone_last4": data.phone_last4,
        "phone_hash": data.phone_hash,
        "phone_masked": data.phone_masked or mask_last4(data.phone_last4),
        "tier": data.tier,
        "balance": data.balance,
        "lifetime_points": data.lifetime_points,
        "status": data.status,
        "version": change.version,
    }


def _member_upserts(session: Session, changes: Sequence[Change]) -> int:
    rows = [_member_row(change) for change in changes]
    by_code = {row["member_code"]: row["member_id"] for row in rows}
    # The server is the authority on codes: a row here holding a pulled member's code
    # under another id (a local enrolment the server refused, or a stale row) goes; its
    # own events stay in the outbox.
    codes = list(by_code)
    stale: list[str] = []
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        held = session.execute(
            select(Member.member_id, Member.member_code).where(Member.member_code.in_(chunk))
        ).all()
        stale += [mid for mid, code in held if by_code[code] != mid]
    if stale:
        session.execute(delete(Coupon).where(Coupon.member_id.in_(stale)))
        session.execute(delete(Member).where(Member.member_id.in_(stale)))
    return _upsert(session, Member, "member_id", rows)


def _coupon_upserts(session: Session, changes: Sequence[Change]) -> int:
    pulled = [(change, CouponData.model_validate(change.data or {})) for change in changes]
    member_ids = list({str(data.member_id) for _, data in pulled})
    present: set[str] = set()
    for chunk in _chunks(member_ids):
        present.update(session.scalars(select(Member.member_id).where(Member.member_id.in_(chunk))))
    # A local redemption the server has not seen yet still stands.
    redeemed_here: set[str] = set()
    for chunk in _chunks([change.id for change, _ in pulled]):
        redeemed_here.update(
            cid
            for cid in session.scalars(
                select(LocalEvent.coupon_id).where(
                    LocalEvent.coupon_id.in_(chunk),
                    LocalEvent.type == "coupon.redeemed",
                    LocalEvent.voided_by.is_(None),
                    LocalEvent.status != "rejected",
                )
            )
            if cid is not None
        )
    rows = [
        {
            "coupon_id": change.id,
            "member_id": str(data.member_id),
            "title": data.title,
            "value_cents": data.value_cents,
            "currency": data.currency,
            "expires_at": to_text(data.expires_at) if data.expires_at else None,
            "status": "redeemed" if change.id in redeemed_here else data.status,
            "version": change.version,
        }
        for change, data in pulled
        if str(data.member_id) in present  # the member is not (or no longer) here
    ]
    return _upsert(session, Coupon, "coupon_id", rows)


def apply_change(session: Session, change: Change) -> int:
    """One change that is not a member or coupon upsert (those go in bulk): a delete,
    staff, or a program. 1 if applied, 0 if the replica held that version or newer."""
    if change.entity == "staff":
        return _staff(session, change)
    if change.entity == "program":
        return _program(session, change)
    if change.op != "delete":
        raise ValueError(f"{change.entity} upserts are applied in bulk")
    row: Member | Coupon | None = (
        session.get(Member, change.id)
        if change.entity == "member"
        else session.get(Coupon, change.id)
    )
    if row is None or row.version >= change.version:
        return 0
    if change.entity == "member":  # an erased member's coupons go with it
        session.execute(delete(Coupon).where(Coupon.member_id == change.id))
    session.delete(row)
    session.flush()
    return 1


def _staff(session: Session, change: Change) -> int:
    repo = StaffRepository(session)
    row = repo.get(change.id)
    if row is not None and row.version >= change.version:
        return 0
    if change.op == "delete":
        if row is None:
            return 0
        session.delete(row)
        session.flush()
        return 1
    data = StaffData.model_validate(change.data or {})
    holder = repo.by_code(data.staff_code)
    if holder is not None and holder.staff_id != change.id:
        session.delete(holder)  # the server re-issued this staff code to another record
        session.flush()
    if row is None:
        row = Staff(staff_id=str(data.staff_id), failed_attempts=0)
        session.add(row)
    row.staff_code = data.staff_code
    row.name = data.name
    row.role = data.role
    row.pin_hash = data.pin_hash
    row.active = data.active
    row.version = change.version
    session.flush()
    return 1


def _program(session: Session, change: Change) -> int:
    if change.op == "delete":
        return 0  # published programs are never withdrawn from a terminal
    program = LoyaltyProgram.model_validate(change.data or {})
    repo = ProgramRepository(session)
    row = repo.get(program.rule_version)
    if row is not None and row.version >= change.version:
        return 0
    repo.save(program, version=change.version)
    return 1
