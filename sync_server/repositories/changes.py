"""The version counter and the compacted change log that pulls read."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    CursorResult,
    Table,
    Text,
    bindparam,
    column,
    delete,
    func,
    select,
    true,
    update,
)
from sqlalchemy import cast as cast_
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from sync_server.models import Change, SyncCounter, UTCDateTime, table_of
from sync_server.repositories import bulk, direct, lite

COUNTER_ID = 1
# PostgreSQL: every transaction that takes versions notifies this channel (suffixed with
# the schema) with its highest version; delivered at commit, dropped on rollback.
NOTIFY_CHANNEL = "sync_changes"
# Session.info key: the highest version this transaction took (published after commit).
TOOK_VERSION = "sync_took_version"


def _took(session: Session, highest: int) -> None:
    session.info[TOOK_VERSION] = max(int(session.info.get(TOOK_VERSION, 0)), highest)


def _notify_expression(highest: Any) -> Any:
    channel = func.concat(NOTIFY_CHANNEL + "_", func.current_schema())
    return func.pg_notify(channel, cast_(highest, Text))


@dataclass(frozen=True)
class ChangeRow:
    """One change of a transaction; its version will be ``base + slot``."""

    entity: str
    entity_id: str
    slot: int
    op: str
    data: str | None  # the entity's JSON text, None for a delete


@dataclass(frozen=True)
class Stamp:
    """Rows of ``table`` (by ``id``) whose ``column`` becomes ``base + slot``; with
    ``columns``, the same UPDATE also sets those columns to ``values[id]`` (a row then
    changes once, not once for its values and again for its version)."""

    table: Table
    slots: Mapping[str, int]
    column: str = "version"
    columns: tuple[str, ...] = ()
    values: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)


def versions_first(session: Session) -> bool:
    """Whether this database lets one writer at a time hold it from BEGIN to COMMIT
    (SQLite's BEGIN IMMEDIATE): versions may then be taken anywhere in a transaction and
    still become visible in commit order. Elsewhere (PostgreSQL) writers run side by
    side and must take the counter LAST (``stamp_versions``)."""
    return not bulk.is_postgres(session)


def allocate_versions(session: Session, count: int) -> int:
    """Reserve ``count`` consecutive versions; returns the first.

    Call it at the END of a writing transaction: the counter row stays locked until
    commit, so versions become visible in the order they were handed out.
    """
    if bulk.is_postgres(session):
        new_value = session.execute(_allocate_statement(), {"count": count}).scalar_one()
    else:
        sql = "UPDATE sync_counter SET value = value + ? WHERE id = ? RETURNING value"
        ((new_value,),) = lite.rows(session, sql, (count, COUNTER_ID))
    _took(session, int(new_value))
    if bulk.is_postgres(session):
        session.execute(select(_notify_expression(int(new_value))))
    return int(new_value) - count + 1


@functools.cache
def _allocate_statement() -> Any:
    counter = table_of(SyncCounter)
    return (
        update(counter)
        .where(counter.c.id == COUNTER_ID)
        .values(value=counter.c.value + bindparam("count", type_=BigInteger))
        .returning(counter.c.value)
    )


def stamp_versions(
    session: Session,
    count: int,
    changes: Sequence[ChangeRow],
    stamps: Sequence[Stamp],
    now: datetime,
) -> int:
    """Reserve ``count`` versions and write everything that carries one: the change rows
    and the ``stamps``. Returns the base version (slot 0).

    Call it as the LAST step of a writing transaction, after every other write: the
    counter row stays locked until commit, so versions become visible in the order they
    were handed out (PROTOCOL.md). On PostgreSQL this is ONE statement (data-modifying
    CTEs), so the lock is held for that statement and the commit, never across Python
    round trips. Each table appears once in it: a row must not be changed by two parts
    of one statement. On SQLite (writers serialised anyway) it is a few statements.
    """
    if bulk.is_postgres(session):
        base = _stamp_versions_pg(session, count, changes, stamps, now)
        _took(session, base + count - 1)
        return base
    base = allocate_versions(session, count)
    upsert_changes(
        session,
        [
            {
                "entity": c.entity,
                "entity_id": c.entity_id,
                "version": base + c.slot,
                "op": c.op,
                "data": c.data,
                "changed_at": now,
            }
            for c in changes
        ],
    )
    for stamp in stamps:
        rows = [(key, base + slot, *stamp.values.get(key, ())) for key, slot in stamp.slots.items()]
        bulk.update_tuples(session, stamp.table, "id", [stamp.column, *stamp.columns], rows)
    return base


def write_changes(session: Session, base: int, changes: Sequence[ChangeRow], now: datetime) -> None:
    """The change log rows of a transaction that took its versions first (SQLite, where
    one writer holds the database from BEGIN IMMEDIATE to COMMIT, so versions are
    handed out in commit order wherever in the transaction they are taken)."""
    if bulk.is_postgres(session):
        raise ValueError("PostgreSQL writers take versions last (stamp_versions)")
    lite.executemany(
        session,
        "INSERT INTO changes (entity, entity_id, version, op, data, changed_at, store_code) "
        "VALUES (?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (entity, entity_id) DO UPDATE SET "
        "version = excluded.version, op = excluded.op, data = excluded.data, "
        "changed_at = excluded.changed_at, store_code = NULL",
        [
            (c.entity, c.entity_id, base + c.slot, c.op, c.data, bulk.sqlite_time(now))
            for c in changes
        ],
    )


def _json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def _recordset(name: str, **types: Any) -> Any:
    """``json_to_recordset(:name) AS name(col type, ...)``: a batch as ONE parameter."""
    rows = cast_(bindparam(name, type_=Text), JSON)
    columns = [column(key, type_) for key, type_ in types.items()]
    return func.json_to_recordset(rows).table_valued(*columns).render_derived(name, with_types=True)


# The statement of each shape (change rows or not, which stamps) is built once: building
# it costs more Python time than PostgreSQL takes to run it.
_Shape = tuple[bool, tuple[tuple[Table, str, tuple[str, ...]], ...]]
_STATEMENTS: dict[_Shape, Any] = {}


def _versions_statement(shape: _Shape) -> Any:
    """WITH counter AS (UPDATE sync_counter ... RETURNING base), INSERT INTO changes ...
    ON CONFLICT ..., UPDATE <stamp> SET version = (SELECT base FROM counter) + slot FROM
    rows ..., SELECT base FROM counter. Parameters: count, changed_at, change_rows and
    stamp_<i> (JSON arrays)."""
    with_changes, stamped = shape
    counter_table = table_of(SyncCounter)
    count = bindparam("count", type_=BigInteger)
    counter = (
        update(counter_table)
        .where(counter_table.c.id == COUNTER_ID)
        .values(value=counter_table.c.value + count)
        .returning((counter_table.c.value - count + 1).label("base"))
        .cte("counter")
    )
    base = select(counter.c.base).scalar_subquery()  # (SELECT base FROM counter)
    writes = []
    if with_changes:
        log = table_of(Change)
        rows = _recordset("change_rows", entity=Text, id=Text, slot=BigInteger, op=Text, data=Text)
        names = ["entity", "entity_id", "version", "op", "data", "changed_at"]
        source = select(
            rows.c.entity,
            rows.c.id,
            base + rows.c.slot,
            rows.c.op,
            rows.c.data,
            bindparam("changed_at", type_=UTCDateTime()),
        ).select_from(rows)
        upsert = pg_insert(log).from_select(names, source)
        upsert = upsert.on_conflict_do_update(
            index_elements=[log.c.entity, log.c.entity_id],
            set_={n: upsert.excluded[n] for n in ("version", "op", "data", "changed_at")},
        )
        writes.append(upsert.cte("change_log"))
    for index, (table, name, extra) in enumerate(stamped):
        types = {c: table.c[c].type for c in extra}
        rows = _recordset(f"stamp_{index}", id=Text, slot=BigInteger, **types)
        writes.append(
            update(table)
            .where(table.c.id == rows.c.id)
            .values({name: base + rows.c.slot, **{c: rows.c[c] for c in extra}})
            .cte(f"stamp_{index}_rows")
        )
    # The notification rides in the same statement: no extra round trip under the lock.
    notify = _notify_expression(counter.c.base + count - 1)
    return select(counter.c.base, notify.label("notified")).add_cte(*writes)


def _stamp_versions_pg(
    session: Session,
    count: int,
    changes: Sequence[ChangeRow],
    stamps: Sequence[Stamp],
    now: datetime,
) -> int:
    stamps = [stamp for stamp in stamps if stamp.slots]
    tables = [Change.__tablename__] + [stamp.table.name for stamp in stamps]
    if len(set(tables)) != len(tables):  # a row must not change twice in one statement
        raise ValueError(f"a table twice in one statement: {tables}")
    shape: _Shape = (
        bool(changes),
        tuple((stamp.table, stamp.column, stamp.columns) for stamp in stamps),
    )
    statement = _STATEMENTS.get(shape)
    if statement is None:
        statement = _STATEMENTS[shape] = _versions_statement(shape)
    params: dict[str, Any] = {"count": count}
    if changes:
        params["changed_at"] = now
        params["change_rows"] = _json(
            [
                {"entity": c.entity, "id": c.entity_id, "slot": c.slot, "op": c.op, "data": c.data}
                for c in changes
            ]
        )
    for index, stamp in enumerate(stamps):
        rows = []
        for key, slot in stamp.slots.items():
            row = {"id": key, "slot": slot}
            for name, value in zip(stamp.columns, stamp.values.get(key, ()), strict=True):
                row[name] = bulk.json_value(value)
            rows.append(row)
        params[f"stamp_{index}"] = _json(rows)
    ((base, _notified),) = direct.rows(session, statement, **params)
    return int(base)


def current_version(session: Session) -> int:
    """The highest version handed out (committed, as this transaction sees it)."""
    return int(
        session.execute(select(SyncCounter.value).where(SyncCounter.id == COUNTER_ID)).scalar_one()
    )


def upsert_changes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Keep only the latest change per entity: insert, or replace the older one."""
    bulk.upsert_rows(session, table_of(Change), ["entity", "entity_id"], rows)


@dataclass(frozen=True)
class Page:
    current: int  # highest version handed out
    purged_through: int  # highest purged tombstone version
    rows: list[tuple[str, str, int, str, str | None]]


def page_with_state(
    session: Session, after_version: int, limit: int, store_code: str | None = None
) -> Page:
    """The counter's state and up to ``limit`` changes above ``after_version`` (in version
    order) in ONE statement, so both come from one snapshot (a purge that commits
    meanwhile is seen by both or by neither) and a pull costs one round trip.

    Only changes for every terminal and those scoped to ``store_code`` (its staff)."""
    params = {"after": after_version, "limit": limit, "store": store_code}
    found = session.execute(_page_statement(), params).all()
    return Page(
        current=int(found[0][0]),
        purged_through=int(found[0][1]),
        rows=[(r[2], r[3], r[4], r[5], r[6]) for r in found if r[4] is not None],
    )


@functools.cache
def _page_statement() -> Any:
    counter = table_of(SyncCounter)
    log = table_of(Change)
    rows = (
        select(log.c.entity, log.c.entity_id, log.c.version, log.c.op, log.c.data)
        .where(log.c.version > bindparam("after", type_=BigInteger))
        .where(log.c.store_code.is_(None) | (log.c.store_code == bindparam("store")))
        .order_by(log.c.version)
        .limit(bindparam("limit", type_=BigInteger))
        .subquery("page")
    )
    return (
        select(counter.c.value, counter.c.purged_through, *rows.c)
        .select_from(counter.outerjoin(rows, true()))
        .where(counter.c.id == COUNTER_ID)
        .order_by(rows.c.version)
    )


def tail_with_state(
    session: Session, after_version: int, limit: int
) -> tuple[int, list[tuple[str, str, int, str, str | None, str | None]]]:
    """The counter and up to ``limit`` changes above ``after_version`` for every store
    (entity, entity_id, version, op, data, store_code), in version order, in ONE
    statement (one snapshot): what ``services/change_tail.py`` catches up with."""
    found = session.execute(_tail_statement(), {"after": after_version, "limit": limit}).all()
    rows = [(r[1], r[2], r[3], r[4], r[5], r[6]) for r in found if r[3] is not None]
    return int(found[0][0]), rows


@functools.cache
def _tail_statement() -> Any:
    counter = table_of(SyncCounter)
    log = table_of(Change)
    rows = (
        select(log.c.entity, log.c.entity_id, log.c.version, log.c.op, log.c.data, log.c.store_code)
        .where(log.c.version > bindparam("after", type_=BigInteger))
        .order_by(log.c.version)
        .limit(bindparam("limit", type_=BigInteger))
        .subquery("tail")
    )
    return (
        select(counter.c.value, *rows.c)
        .select_from(counter.outerjoin(rows, true()))
        .where(counter.c.id == COUNTER_ID)
        .order_by(rows.c.version)
    )


def scope_to_store(session: Session, entity: str, entity_id: str, store_code: str | None) -> None:
    """Only terminals of ``store_code`` receive this change (None: every terminal)."""
    session.execute(
        update(Change)
        .where(Change.entity == entity, Change.entity_id == entity_id)
        .values(store_code=store_code)
    )


def purge_tombstones(session: Session, older_than: datetime) -> int:
    """Drop deletes older than the horizon; cursors below them expire. Returns how many."""
    highest = session.execute(
        select(func.max(Change.version)).where(
            Change.op == "delete", Change.changed_at < older_than
        )
    ).scalar_one_or_none()
    if highest is None:
        return 0
    result = session.execute(
        delete(Change).where(Change.op == "delete", Change.changed_at < older_than)
    )
    purged = cast(CursorResult[Any], result).rowcount
    session.execute(
        update(SyncCounter)
        .where(SyncCounter.id == COUNTER_ID, SyncCounter.purged_through < highest)
        .values(purged_through=highest)
    )
    return int(purged or 0)
