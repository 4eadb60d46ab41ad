"""Applying one pulled change to the replica (only when its version is newer)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared.domain.phone import mask_last4
from shared.domain.program import LoyaltyProgram
from shared.protocol import Change, CouponData, MemberData, StaffData
from terminal.offline.clock import to_text
from terminal.offline.models import Coupon, Member, Staff
from terminal.offline.repositories import (
    CouponRepository,
    EventRepository,
    MemberRepository,
    ProgramRepository,
    StaffRepository,
    name_key,
)


def apply_change(session: Session, change: Change) -> int:
    """1 if the change was applied, 0 if the replica already held that version or newer."""
    if change.entity == "member":
        return _member(session, change)
    if change.entity == "coupon":
        return _coupon(session, change)
    if change.entity == "staff":
        return _staff(session, change)
    return _program(session, change)


def _member(session: Session, change: Change) -> int:
    repo = MemberRepository(session)
    row = repo.get(change.id)
    if row is not None and row.version >= change.version:
        return 0
    if change.op == "delete":
        if row is None:
            return 0
        session.delete(row)  # coupons go with it (ON DELETE CASCADE + ORM below)
        for coupon in CouponRepository(session).for_member(change.id):
            session.delete(coupon)
        session.flush()
        return 1
    data = MemberData.model_validate(change.data or {})
    holder = repo.by_code(data.member_code)
    if holder is not None and holder[0].member_id != change.id:
        # The server is the authority on codes: whoever held this one here goes (a local
        # enrolment the server refused, or a stale row); its own events stay in the outbox.
        session.delete(holder[0])
        session.flush()
    if row is None:
        row = Member(member_id=str(data.member_id))
        session.add(row)
    row.member_code = data.member_code
    row.display_name = data.display_name
    row.name_key = name_key(data.display_name)
    row.phone_last4 = data.phone_last4
    row.phone_hash = data.phone_hash
    row.phone_masked = data.phone_masked or mask_last4(data.phone_last4)
    row.tier = data.tier
    row.balance = data.balance
    row.lifetime_points = data.lifetime_points
    row.status = data.status
    row.version = change.version
    session.flush()
    return 1


def _coupon(session: Session, change: Change) -> int:
    repo = CouponRepository(session)
    row = repo.get(change.id)
    if row is not None and row.version >= change.version:
        return 0
    if change.op == "delete":
        if row is None:
            return 0
        session.delete(row)
        session.flush()
        return 1
    data = CouponData.model_validate(change.data or {})
    if MemberRepository(session).get(str(data.member_id)) is None:
        return 0  # the member is not (or no longer) in this replica
    if row is None:
        row = Coupon(coupon_id=str(data.coupon_id))
        session.add(row)
    row.member_id = str(data.member_id)
    row.title = data.title
    row.value_cents = data.value_cents
    row.currency = data.currency
    row.expires_at = to_text(data.expires_at) if data.expires_at else None
    row.status = data.status
    # A local redemption the server has not seen yet still stands.
    if EventRepository(session).active_coupon_redemption(row.coupon_id) is not None:
        row.status = "redeemed"
    row.version = change.version
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
