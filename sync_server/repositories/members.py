"""Members: locked reads for the ledger, bulk writes."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from sync_server.models import Member, table_of
from sync_server.repositories import bulk, direct, lite
from sync_server.repositories.changes import Stamp

MEMBER_COLUMNS = tuple(c.key for c in table_of(Member).columns)


def lock_rows(session: Session, member_ids: Collection[str]) -> Sequence[Row[Any]]:
    """Rows of these members, locked FOR UPDATE in id order (no deadlocks between pushes)."""
    return bulk.lock_by_id(session, table_of(Member), member_ids)


def lock_tuples(session: Session, member_ids: Collection[str]) -> Sequence[Sequence[Any]]:
    """The same rows as plain tuples in ``MEMBER_COLUMNS`` order, with times as aware
    datetimes and dates as dates: on SQLite read through the DB-API and parsed with
    ``fromisoformat`` (SQLAlchemy's own parsing costs more than the query)."""
    if not member_ids:
        return []
    if bulk.is_postgres(session):
        return direct.rows(session, _lock_statement(), ids=sorted(member_ids))
    ids = sorted(member_ids)
    rows = lite.rows(session, _locked_select(len(ids)), ids)
    return [_parsed(row) for row in rows]


@functools.cache
def _lock_statement() -> Any:
    """PostgreSQL: every column of the members named, locked in id order."""
    table = table_of(Member)
    chosen = direct.any_of(table.c.id, "ids")
    return select(table).where(chosen).order_by(table.c.id).with_for_update()


_AT = {
    name: MEMBER_COLUMNS.index(name)
    for name in ("birthday", "enrolled_at", "updated_at", "consent_marketing_at", "tier_until")
}


def _parsed(row: Sequence[Any]) -> tuple[Any, ...]:
    values = list(row)
    for name in ("birthday", "tier_until"):
        day = values[_AT[name]]
        if day is not None:
            values[_AT[name]] = date.fromisoformat(day)
    for name in ("enrolled_at", "updated_at"):
        values[_AT[name]] = datetime.fromisoformat(values[_AT[name]]).replace(tzinfo=UTC)
    consent_at = values[_AT["consent_marketing_at"]]
    if consent_at is not None:
        values[_AT["consent_marketing_at"]] = datetime.fromisoformat(consent_at).replace(tzinfo=UTC)
    return tuple(values)


def _locked_select(count: int) -> str:
    """SELECT every column of ``count`` members by id, in id order (SQLite: the write
    transaction already holds the database, so no FOR UPDATE)."""
    marks = ", ".join("?" * count)
    return f"SELECT {', '.join(MEMBER_COLUMNS)} FROM members WHERE id IN ({marks}) ORDER BY id"  # noqa: S608  (column names and ? marks only)


def lock_many(session: Session, member_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The same rows as dicts by id."""
    return {row.id: dict(row._mapping) for row in lock_rows(session, member_ids)}


def get_by_code(session: Session, member_code: str) -> Member | None:
    return session.execute(
        select(Member).where(Member.member_code == member_code)
    ).scalar_one_or_none()


def survivor(session: Session, member: Member | None) -> Member | None:
    """The member itself, or, for a member merged at head office (s20g), the member
    that absorbed it (its code answers with the survivor everywhere)."""
    if member is not None and member.status == "merged" and member.merged_into:
        return session.get(Member, member.merged_into)
    return member


def merged_into(session: Session, member_id: str) -> list[str]:
    """The members head office merged into ``member_id`` (s20g)."""
    return [
        str(i) for i in session.scalars(select(Member.id).where(Member.merged_into == member_id))
    ]


def scrub_merged_into(session: Session, member_id: str) -> None:
    """The personal data of the members merged into ``member_id``, gone with its own
    (an erasure of the survivor erases the person)."""
    session.execute(
        update(Member)
        .where(Member.merged_into == member_id)
        .values(
            name="",
            phone_e164=None,
            phone_hash="",
            phone_last4="",
            phone_masked="",
            phone_slow_hash="",
            email=None,
            birthday=None,
        )
    )


def codes_taken(session: Session, codes: Collection[str]) -> set[str]:
    if not codes:
        return set()
    rows = session.execute(select(Member.member_code).where(Member.member_code.in_(list(codes))))
    return {row[0] for row in rows}


def phone_holders(session: Session, hashes: Collection[str]) -> dict[str, frozenset[str]]:
    """The members holding each of these phone hashes (an erased member holds none)."""
    if not hashes:
        return {}
    held: dict[str, set[str]] = {}
    rows = session.execute(
        select(Member.phone_hash, Member.id).where(Member.phone_hash.in_(list(hashes)))
    )
    for phone, member_id in rows:
        held.setdefault(phone, set()).add(member_id)
    return {phone: frozenset(ids) for phone, ids in held.items()}


def insert_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    bulk.insert_rows(session, table_of(Member), rows)


_MUTABLE = (
    "member_code",
    "name",
    "phone_e164",
    "phone_hash",
    "phone_last4",
    "phone_masked",
    "phone_slow_hash",
    "email",
    "birthday",
    "consent_marketing",
    "balance",
    "lifetime_points",
    "tier",
    "status",
    "version",
    "updated_at",
    "consent_marketing_at",
    "previous_codes",
    "merged_into",
    "merged_codes",
    "tier_points",
    "tier_until",
)
_BALANCE = (
    "balance",
    "lifetime_points",
    "tier",
    "updated_at",
    "tier_points",
    "tier_until",
    "version",
)


def update_many(
    session: Session,
    rows: Sequence[dict[str, Any]],
    *,
    profile: bool = True,
    version: bool = True,
) -> None:
    """Bulk UPDATE by primary key. ``profile=False`` writes only the balance columns,
    which is all an earn, redeem, adjust, void or expiry changes. ``version=False``
    leaves ``version`` alone (set later with the others, see ``changes.stamp_versions``)."""
    columns: tuple[str, ...] = _MUTABLE if profile else _BALANCE
    if not version:
        columns = tuple(c for c in columns if c != "version")
    bulk.update_rows(session, table_of(Member), "id", columns, rows)


def version_stamp(
    slots: dict[str, int],
    columns: tuple[str, ...] = (),
    values: dict[str, tuple[Any, ...]] | None = None,
) -> Stamp:
    """Members whose ``version`` becomes ``base + slot`` (``changes.stamp_versions``),
    and whose ``columns`` become ``values[id]`` in the same UPDATE."""
    return Stamp(table_of(Member), slots, columns=columns, values=values or {})


def insert_rows(session: Session, rows: Sequence[Sequence[Any]]) -> None:
    """New members as tuples in ``MEMBER_COLUMNS`` order."""
    bulk.insert_tuples(session, table_of(Member), MEMBER_COLUMNS, rows)


_MUTABLE_AT = tuple(MEMBER_COLUMNS.index(name) for name in _MUTABLE)


def update_rows(session: Session, rows: Sequence[Sequence[Any]]) -> None:
    """Every mutable column (``version`` too) of members given as tuples in
    ``MEMBER_COLUMNS`` order."""
    keyed = [(row[0], *[row[i] for i in _MUTABLE_AT]) for row in rows]
    bulk.update_tuples(session, table_of(Member), "id", _MUTABLE, keyed)


def update_balances(session: Session, rows: Sequence[Sequence[Any]], *, with_version: bool) -> None:
    """(id, balance, lifetime_points, tier, updated_at[, version]) of members: all that
    an earn, redeem, adjust or void changes."""
    columns = _BALANCE if with_version else tuple(c for c in _BALANCE if c != "version")
    bulk.update_tuples(session, table_of(Member), "id", columns, rows)


def max_code_counter(session: Session, prefix: str) -> int:
    """Highest counter already used under ``prefix`` (head-office minting)."""
    codes = session.execute(
        select(Member.member_code).where(Member.member_code.like(prefix + "%"))
    ).scalars()
    return max((int(code[len(prefix) : -1]) for code in codes), default=0)


def tier_due(session: Session, today: date, after: str, limit: int) -> list[str]:
    """Active members whose tier was kept until a day before ``today`` (ids > after)."""
    rows = session.execute(
        select(Member.id)
        .where(
            Member.tier_until < today,
            Member.status == "active",
            Member.id > after,
        )
        .order_by(Member.id)
        .limit(limit)
    )
    return [row[0] for row in rows]


def active_ids(session: Session, after: str, limit: int) -> list[str]:
    """Active members' ids after ``after``, in id order."""
    rows = session.execute(
        select(Member.id)
        .where(Member.status == "active", Member.id > after)
        .order_by(Member.id)
        .limit(limit)
    )
    return [row[0] for row in rows]
