"""The append-only ledger of events and their first outcome."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from sync_server.models import LedgerEvent, Member, PushBatch, Terminal, UTCDateTime, table_of
from sync_server.repositories import bulk, direct, lite
from sync_server.repositories.changes import Stamp

_E = table_of(LedgerEvent).c


def outcomes_and_targets(session: Session, event_ids: Collection[str]) -> list[StoredRow]:
    """What a push needs of these ledger rows: their first outcome (``base_version`` of
    their push batch beside ``version_slot``) and what a void needs of them."""
    if not event_ids:
        return []
    ids = list(event_ids)
    if not bulk.is_postgres(session):
        sql = _OUTCOMES_SQL.format(marks=lite.marks(len(ids)))
        return [StoredRow._make(row) for row in lite.rows(session, sql, ids)]
    return [StoredRow._make(row) for row in direct.rows(session, _outcomes_statement(), ids=ids)]


class StoredRow(NamedTuple):
    """A ledger row as ``outcomes_and_targets`` reads it (the columns of
    ``_outcomes_statement``, by the same names)."""

    event_id: str
    type: str
    member_id: str | None
    status: str
    code: str | None
    content_hash: str
    member_balance: int | None
    member_version: int | None
    version_slot: int | None
    base_version: int | None
    overdraft: bool
    points_delta: int
    lifetime_delta: int
    voided_by: str | None
    payload: str


_OUTCOMES_SQL = (
    "SELECT e.event_id, e.type, e.member_id, e.status, e.code, e.content_hash, "
    "e.member_balance, e.member_version, e.version_slot, b.base_version, e.overdraft, "
    "e.points_delta, e.lifetime_delta, e.voided_by, e.payload "
    "FROM events AS e LEFT OUTER JOIN push_batches AS b ON b.id = e.batch_id "
    "WHERE e.event_id IN ({marks})"
)


# The push path's statements are built once (``functools.cache``) with bound parameters:
# building one costs several times what SQLite or PostgreSQL take to run it.
@functools.cache
def _outcomes_statement() -> Any:
    batches = table_of(PushBatch)
    return (
        select(
            _E.event_id,
            _E.type,
            _E.member_id,
            _E.status,
            _E.code,
            _E.content_hash,
            _E.member_balance,
            _E.member_version,
            _E.version_slot,
            batches.c.base_version,
            _E.overdraft,
            _E.points_delta,
            _E.lifetime_delta,
            _E.voided_by,
            _E.payload,
        )
        .outerjoin(batches, batches.c.id == _E.batch_id)
        .where(direct.any_of(_E.event_id, "ids"))
    )


def add_batch(
    session: Session, batch_id: str, now: datetime, base_version: int | None = None
) -> None:
    """A push's batch row; its ``base_version`` is given, or set later by
    ``changes.stamp_versions``."""
    if not bulk.is_postgres(session):
        lite.execute(
            session,
            "INSERT INTO push_batches (id, created_at, base_version) VALUES (?, ?, ?)",
            (batch_id, bulk.sqlite_time(now), base_version),
        )
        return
    direct.execute(
        session, _add_batch_statement(), id=batch_id, created_at=now, base_version=base_version
    )


@functools.cache
def _add_batch_statement() -> Any:
    return insert(table_of(PushBatch))


def batch_stamp(batch_id: str) -> Stamp:
    """The batch's ``base_version`` (slot 0): what its events' ``version_slot`` add to."""
    return Stamp(table_of(PushBatch), {batch_id: 0}, column="base_version")


def insert_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    bulk.insert_rows(session, table_of(LedgerEvent), rows)


def insert_rows(session: Session, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Ledger rows as tuples in ``columns`` order."""
    bulk.insert_tuples(session, table_of(LedgerEvent), columns, rows)


def insert_push_rows_pg(
    session: Session,
    batch_id: str,
    now: datetime,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    terminal: tuple[str, int, int],
) -> None:
    """PostgreSQL, in ONE statement: the push's batch row (its ``base_version`` stamped
    later), its ledger rows (tuples in ``columns`` order) and the terminal's new
    ``(id, watermark, max_seq)``, last seen ``now``. Three round trips were one each."""
    terminal_id, watermark, max_seq = terminal
    dicts = [dict(zip(columns, row, strict=True)) for row in rows]
    direct.execute(
        session,
        _push_rows_statement(),
        batch_id=batch_id,
        created_at=now,
        terminal_id=terminal_id,
        watermark=watermark,
        max_seq=max_seq,
        seen=now,
        **bulk.payload([c.key for c in table_of(LedgerEvent).columns], dicts),
    )


@functools.cache
def _push_rows_statement() -> Any:
    ledger, batches, terminals = table_of(LedgerEvent), table_of(PushBatch), table_of(Terminal)
    moment = UTCDateTime()
    batch = (
        insert(batches)
        .values(id=bindparam("batch_id"), created_at=bindparam("created_at", type_=moment))
        .cte("batch_row")
    )
    advance = (
        update(terminals)
        .where(terminals.c.id == bindparam("terminal_id"))
        .values(
            watermark=bindparam("watermark"),
            max_seq=bindparam("max_seq"),
            last_seen_at=bindparam("seen", type_=moment),
        )
        .cte("terminal_row")
    )
    columns = [c.key for c in ledger.columns]
    source = bulk.records(ledger, columns)
    rows = insert(ledger).from_select(columns, select(*[source.c[n] for n in columns]))
    return rows.add_cte(batch, advance)


def mark_voided(session: Session, voided: Sequence[tuple[str, str]]) -> None:
    """(voided event id, voiding event id) pairs."""
    rows = [{"event_id": target, "voided_by": by} for target, by in voided]
    bulk.update_rows(session, table_of(LedgerEvent), "event_id", ["voided_by"], rows)


def seqs_between(session: Session, terminal_id: str, low: int, high: int) -> set[int]:
    """Seqs held for this terminal with low < seq <= high."""
    rows = session.execute(
        select(_E.seq).where(_E.terminal_id == terminal_id, _E.seq > low, _E.seq <= high)
    )
    return {int(row[0]) for row in rows}


def points_moved(
    session: Session, member_ids: Collection[str], since: datetime, until: datetime
) -> list[tuple[str, str, datetime, int, str | None]]:
    """(member_id, type, occurred_at, points_delta, terminal_id) of the accepted,
    un-voided redemptions and adjustments of these members in [since, until)."""
    if not member_ids:
        return []
    members = sorted(member_ids)
    if not bulk.is_postgres(session):
        sql = _MOVED_SQL.format(marks=lite.marks(len(members)))
        params = [*members, bulk.sqlite_time(since), bulk.sqlite_time(until)]
        return [
            (str(r[0]), str(r[1]), cast(datetime, lite.utc(r[2])), int(r[3]), r[4])
            for r in lite.rows(session, sql, params)
        ]
    rows = direct.rows(
        session, _points_moved_statement(), members=members, since=since, until=until
    )
    return [(str(r[0]), str(r[1]), r[2], int(r[3]), r[4]) for r in rows]


_MOVED_SQL = (
    "SELECT member_id, type, occurred_at, points_delta, terminal_id FROM events "
    "WHERE member_id IN ({marks}) AND type IN ('points.redeemed', 'points.adjusted') "
    "AND status = 'accepted' AND voided_by IS NULL AND occurred_at >= ? AND occurred_at < ?"
)


@functools.cache
def _points_moved_statement() -> Any:
    return select(_E.member_id, _E.type, _E.occurred_at, _E.points_delta, _E.terminal_id).where(
        direct.any_of(_E.member_id, "members"),
        or_(_E.type == "points.redeemed", _E.type == "points.adjusted"),
        _E.status == "accepted",
        _E.voided_by.is_(None),
        _E.occurred_at >= bindparam("since", type_=_E.occurred_at.type),
        _E.occurred_at < bindparam("until", type_=_E.occurred_at.type),
    )


def flagged(session: Session, limit: int = 500) -> list[dict[str, Any]]:
    """Accepted events that carry a flag for head office (``code`` on an accepted row)."""
    members = table_of(Member)
    rows = session.execute(
        select(
            _E.event_id,
            _E.terminal_id,
            _E.type,
            _E.code,
            _E.occurred_at,
            _E.points_delta,
            members.c.member_code,
        )
        .outerjoin(members, members.c.id == _E.member_id)
        .where(_E.status == "accepted", _E.code.is_not(None))
        .order_by(_E.received_at.desc())
        .limit(limit)
    ).mappings()
    return [dict(row) for row in rows]


def terminal_range(
    session: Session, terminal_id: str, first: int, last: int
) -> list[dict[str, Any]]:
    rows = session.execute(
        select(_E.event_id, _E.seq, _E.type, _E.status, _E.payload)
        .where(_E.terminal_id == terminal_id, _E.seq >= first, _E.seq <= last)
        .order_by(_E.seq)
    ).mappings()
    return [dict(row) for row in rows]


def expiry_candidates(session: Session, cutoff: datetime, after: str, limit: int) -> list[str]:
    """Members with points left and an un-voided earn older than ``cutoff`` (ids > after)."""
    members = table_of(Member)
    rows = session.execute(
        select(_E.member_id)
        .join(members, members.c.id == _E.member_id)
        .where(
            _E.type == "points.earned",
            _E.status == "accepted",
            _E.voided_by.is_(None),
            _E.occurred_at <= cutoff,
            _E.member_id > after,
            members.c.balance > 0,
            members.c.status == "active",
        )
        .group_by(_E.member_id)
        .order_by(_E.member_id)
        .limit(limit)
    )
    return [row[0] for row in rows]


def credit_lots(session: Session, member_id: str) -> list[tuple[datetime, int]]:
    """(occurred_at, points) of every standing credit: earns and positive adjustments."""
    rows = session.execute(
        select(_E.occurred_at, _E.points_delta).where(
            _E.member_id == member_id,
            _E.status == "accepted",
            _E.voided_by.is_(None),
            _E.type.in_(("points.earned", "points.adjusted")),
            _E.points_delta > 0,
        )
    )
    return [(row[0], int(row[1])) for row in rows]


def total_debited(session: Session, member_id: str) -> int:
    """Every standing debit: redemptions, negative adjustments, expiries."""
    value = session.execute(
        select(func.coalesce(func.sum(-_E.points_delta), 0)).where(
            _E.member_id == member_id,
            _E.status == "accepted",
            _E.voided_by.is_(None),
            _E.type != "event.voided",
            _E.points_delta < 0,
        )
    ).scalar_one()
    return int(value)


def voided_lifetimes(session: Session, member_ids: Collection[str]) -> dict[str, int]:
    """The lifetime points that voids have taken back from these members: the lifetime
    delta of every accepted earn that was voided since (members with none are absent)."""
    rows = session.execute(
        select(_E.member_id, func.sum(_E.lifetime_delta))
        .where(
            _E.member_id.in_(sorted(member_ids)),
            _E.type == "points.earned",
            _E.status == "accepted",
            _E.voided_by.is_not(None),
        )
        .group_by(_E.member_id)
    )
    return {str(row[0]): int(row[1] or 0) for row in rows}


def lifetime_moves(
    session: Session, member_ids: Collection[str], since: datetime
) -> list[tuple[str, datetime, int]]:
    """(member id, occurred_at, lifetime_delta) of these members' accepted events that
    moved lifetime points since ``since``, oldest first (``tiers review --rebuild``)."""
    if not member_ids:
        return []
    rows = session.execute(
        select(_E.member_id, _E.occurred_at, _E.lifetime_delta)
        .where(
            _E.member_id.in_(sorted(member_ids)),
            _E.status == "accepted",
            _E.lifetime_delta != 0,
            _E.occurred_at >= since,
        )
        .order_by(_E.occurred_at, _E.event_id)
    )
    return [(str(m), when, int(delta)) for m, when, delta in rows]
