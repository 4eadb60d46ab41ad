"""Applying pulled changes to the replica (only when their version is newer).

Member and coupon upserts, the bulk of a bootstrap, go in one ``INSERT ... ON CONFLICT
DO UPDATE`` executemany per page (guarded by the version); everything else goes one
change at a time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from shared.domain.program import LoyaltyProgram
from shared.errors import ValidationFailed
from shared.protocol import Change, StaffData, StoreSettings
from terminal.offline.clock import to_text
from terminal.offline.models import (
    Coupon,
    DeferredIndex,
    HistoryRow,
    Member,
    RetiredCode,
    Staff,
    SummaryRow,
)
from terminal.offline.pages import CouponUpsert, MemberUpsert, PulledChange
from terminal.offline.repositories import (
    ProgramRepository,
    StaffRepository,
    TerminalStateRepository,
    name_key,
)
from terminal.offline.store_settings import save_store_settings


def apply_changes(session: Session, changes: Sequence[PulledChange]) -> int:
    """Apply a page of changes; returns how many were newer than what the replica held.

    Member upserts first (coupons refer to members), then coupon upserts, each in bulk;
    then deletes, staff and programs one by one, in the order the server sent them.
    """
    members: list[MemberUpsert] = []
    coupons: list[CouponUpsert] = []
    others: list[Change] = []
    for change in changes:
        if isinstance(change, Change):
            others.append(change)
        elif change["entity"] == "member":
            members.append(change)
        else:
            coupons.append(change)
    applied = _member_upserts(session, members) if members else 0
    applied += _coupon_upserts(session, coupons) if coupons else 0
    for other in others:
        applied += apply_change(session, other)
    session.expire_all()
    return applied


# --- bulk loads: secondary indexes built once at the end ----------------------------

# Inserting a million members into the phone, last-4 and name indexes one page at a
# time touches (and rewrites) a large part of each index per page; building an index
# once over the finished table is several times cheaper. While a bootstrap runs, those
# indexes are dropped; their DDL is kept in ``deferred_indexes`` in the same
# transaction, so that whatever stops the bootstrap (an error, a crash, a power cut),
# they are rebuilt from exactly that DDL: at the end of the pull, or when the replica
# is next opened (``Replica.restore_deferred_indexes``). Unique indexes are never dropped.
_DEFERRABLE = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
    "AND tbl_name IN ('members', 'coupons') AND sql IS NOT NULL "
    "AND upper(sql) NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
)


def defer_indexes(session: Session) -> list[str]:
    """Drop the secondary indexes of members and coupons, remembering their DDL."""
    found = session.execute(_DEFERRABLE).all()
    for name, sql in found:
        session.add(DeferredIndex(name=name, ddl=sql))
        session.execute(text(f'DROP INDEX "{name}"'))
    session.flush()
    return [name for name, _ in found]


def _chunks(values: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


# The bulk upserts go straight to the DB-API (``executemany`` of tuples on SQLite's own
# cursor): SQLAlchemy's per-row parameter processing cost more than SQLite's work here.
_MEMBER_UPSERT = """
INSERT INTO members (member_id, member_code, display_name, name_key, phone_last4,
    phone_hash, tier, balance, lifetime_points, status, version, tier_points)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (member_id) DO UPDATE SET
    member_code = excluded.member_code, display_name = excluded.display_name,
    name_key = excluded.name_key, phone_last4 = excluded.phone_last4,
    phone_hash = CASE WHEN excluded.phone_hash = '' THEN members.phone_hash
        ELSE excluded.phone_hash END,
    tier = excluded.tier, balance = excluded.balance,
    lifetime_points = excluded.lifetime_points, status = excluded.status,
    version = excluded.version, tier_points = excluded.tier_points
WHERE members.version < excluded.version
"""
# A coupon whose member is not (or no longer) here is skipped; a local redemption the
# server has not acknowledged yet keeps it redeemed.
_COUPON_UPSERT = """
INSERT INTO coupons (coupon_id, member_id, title, value_cents, currency, expires_at,
    status, version, terms, code)
SELECT ?1, ?2, ?3, ?4, ?5, ?6,
    CASE WHEN EXISTS (
        SELECT 1 FROM local_events AS e WHERE e.coupon_id = ?1
        AND e.type = 'coupon.redeemed' AND e.voided_by IS NULL AND e.status != 'rejected'
    ) THEN 'redeemed' ELSE ?7 END,
    ?8, ?9, ?10
WHERE EXISTS (SELECT 1 FROM members AS m WHERE m.member_id = ?2)
ON CONFLICT (coupon_id) DO UPDATE SET
    member_id = excluded.member_id, title = excluded.title,
    value_cents = excluded.value_cents, currency = excluded.currency,
    expires_at = excluded.expires_at, status = excluded.status, version = excluded.version,
    terms = excluded.terms, code = excluded.code
WHERE coupons.version < excluded.version
"""


def _driver(session: Session) -> sqlite3.Connection:
    connection = session.connection().connection.driver_connection
    assert isinstance(connection, sqlite3.Connection)
    return connection


def _executemany(session: Session, sql: str, rows: list[tuple[Any, ...]]) -> int:
    """Rows written (inserted, or updated because the pulled version was newer)."""
    connection = _driver(session)
    before = connection.total_changes
    connection.executemany(sql, rows)
    return connection.total_changes - before


def _member_row(change: MemberUpsert) -> tuple[Any, ...]:
    data = change["data"]
    return (
        change["id"],
        data["member_code"],
        data["display_name"],
        name_key(data["display_name"]),
        data["phone_last4"],
        # The slow hash only: a fast ``phone_hash`` (HMAC) from an older server is not
        # kept (with the key it gives the number in ~10^4 guesses). Empty while the
        # server computes it (seconds after an enrolment): the row keeps what it had
        # (the enrolling till computed its own).
        data.get("phone_slow_hash") or "",
        data["tier"],
        data["balance"],
        data["lifetime_points"],
        data["status"],
        change["version"],
        data.get("tier_points") or None,  # extension s20e: tiers qualified by period
    )


_RETIRE = (
    "INSERT INTO retired_codes (member_code, member_id) VALUES (?, ?) "
    "ON CONFLICT (member_code) DO UPDATE SET member_id = excluded.member_id"
)


# A code of a member head office merged into ``member_id`` (extension s20g).
_RETIRE_MERGED = (
    "INSERT INTO retired_codes (member_code, member_id, merged) VALUES (?, ?, 1) "
    "ON CONFLICT (member_code) DO UPDATE SET member_id = excluded.member_id, merged = 1"
)


def _member_upserts(session: Session, changes: Sequence[MemberUpsert]) -> int:
    retired = [
        (code, change["id"])
        for change in changes
        for code in change["data"].get("previous_codes") or ()
    ]
    if retired:  # a replaced card (extension s19b): rare, so only then
        _driver(session).executemany(_RETIRE, retired)
    merged = [
        (code, change["id"])
        for change in changes
        for code in change["data"].get("merged_codes") or ()
    ]
    if merged:  # members merged into this one (extension s20g): rarer still
        _driver(session).executemany(_RETIRE_MERGED, merged)
    return _upsert_members(session, changes)


def _upsert_members(session: Session, changes: Sequence[MemberUpsert]) -> int:
    rows = [_member_row(change) for change in changes]
    try:
        with session.begin_nested():
            return _executemany(session, _MEMBER_UPSERT, rows)
    except sqlite3.IntegrityError:
        # The server is the authority on codes: a row here holding a pulled member's code
        # under another id (a local enrolment the server refused, or a stale row) goes;
        # its own events stay in the outbox. Rare, so looked for only when it happens.
        _drop_code_holders(session, {row[1]: row[0] for row in rows})
        return _executemany(session, _MEMBER_UPSERT, rows)


def _drop_code_holders(session: Session, by_code: dict[str, str]) -> None:
    stale: list[str] = []
    for chunk in _chunks(list(by_code)):
        held = session.execute(
            select(Member.member_id, Member.member_code).where(Member.member_code.in_(chunk))
        ).all()
        stale += [mid for mid, code in held if by_code[code] != mid]
    for chunk in _chunks(stale):
        session.execute(delete(Coupon).where(Coupon.member_id.in_(chunk)))
        session.execute(delete(Member).where(Member.member_id.in_(chunk)))


def _coupon_row(change: CouponUpsert) -> tuple[Any, ...]:
    data = change["data"]
    expires_at = data.get("expires_at")
    terms = data.get("terms")
    return (
        change["id"],
        str(data["member_id"]),
        data["title"],
        data["value_cents"],
        data["currency"],
        to_text(expires_at) if expires_at else None,
        data["status"],
        change["version"],
        json.dumps(terms, separators=(",", ":"), ensure_ascii=False) if terms else None,
        data.get("code") or None,
    )


def _coupon_upserts(session: Session, changes: Sequence[CouponUpsert]) -> int:
    return _executemany(session, _COUPON_UPSERT, [_coupon_row(change) for change in changes])


def apply_change(session: Session, change: Change) -> int:
    """One change that is not a member or coupon upsert (those go in bulk): a delete,
    staff, or a program. 1 if applied, 0 if the replica held that version or newer."""
    if change.entity == "staff":
        return _staff(session, change)
    if change.entity == "program":
        return _program(session, change)
    if change.entity == "store":
        return _store(session, change)
    if change.op != "delete":
        raise ValueError(f"{change.entity} upserts are applied in bulk")
    row: Member | Coupon | None = (
        session.get(Member, change.id)
        if change.entity == "member"
        else session.get(Coupon, change.id)
    )
    survivor = (change.data or {}).get("merged_into") if change.entity == "member" else None
    # A merge is final, whatever version the row holds: a push answer for an event made
    # against the merged member may have given it the survivor's (higher) version.
    if row is None or (row.version >= change.version and not isinstance(survivor, str)):
        return 0
    if isinstance(row, Member) and isinstance(survivor, str):
        _merged(session, row, survivor)
    if change.entity == "member":  # an erased member's coupons, history, cards go with it
        session.execute(delete(Coupon).where(Coupon.member_id == change.id))
        for table in (HistoryRow, SummaryRow, RetiredCode):
            session.execute(delete(table).where(table.member_id == change.id))
    session.delete(row)
    session.flush()
    return 1


def _merged(session: Session, member: Member, survivor_id: str) -> None:
    """Head office merged ``member`` into ``survivor_id`` (extension s20g): its codes
    answer with the survivor, and this till's own events for it (its history here, and
    any not sent yet, which the server credits to the survivor) count for the survivor.
    An event the survivor already has for the same sale stays where it was."""
    session.execute(
        text("UPDATE OR IGNORE local_events SET member_id = :to WHERE member_id = :from_"),
        {"to": survivor_id, "from_": member.member_id},
    )
    session.execute(
        text("UPDATE retired_codes SET member_id = :to, merged = 1 WHERE member_id = :from_"),
        {"to": survivor_id, "from_": member.member_id},
    )
    _driver(session).execute(_RETIRE_MERGED, (member.member_code, survivor_id))


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
    repo.save(program, version=change.version, effective_from=change.effective_from)
    return 1


def _store(session: Session, change: Change) -> int:
    """Head office changed this till's store settings (only its store's tills receive
    them). Settings this till could not work with, or another store's, are left out:
    the till keeps the ones it has."""
    if change.op == "delete" or change.data is None:
        return 0
    settings = StoreSettings.model_validate(change.data)
    state = TerminalStateRepository(session).get()
    if state.store_code is not None and settings.store_code != state.store_code:
        return 0
    try:
        save_store_settings(session, settings)
    except ValidationFailed:
        return 0
    return 1
