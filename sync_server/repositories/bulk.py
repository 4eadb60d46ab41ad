"""Bulk writes: one statement per batch on PostgreSQL, executemany on SQLite.

On PostgreSQL, a batch of rows travels as ONE JSON parameter expanded by
``json_populate_recordset`` (INSERT ... SELECT, UPDATE ... FROM): one round trip and one
statement instead of one Bind/Execute per row. SQLite's executemany is already in-process.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Row,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableValuedAlias

from sync_server.models import UTCDateTime
from sync_server.repositories import direct, lite


def lock_by_id(session: Session, table: Table, ids: Collection[str]) -> Sequence[Row[Any]]:
    """The rows of ``table`` with these ``id``s, locked FOR UPDATE in id order (so that
    two transactions locking overlapping sets never deadlock)."""
    if not ids:
        return []
    statement = _statement(("lock", table), lambda: _lock_statement(table))
    return session.execute(statement, {"ids": sorted(ids)}).all()


def _lock_statement(table: Table) -> Any:
    chosen = table.c.id.in_(bindparam("ids", expanding=True))
    return select(table).where(chosen).order_by(table.c.id).with_for_update()


# The last time converted, and its text: a push's rows carry the same "now" many times
# (received, changed, updated). A tuple replaced whole, so threads never see half of one;
# it holds the datetime, so the identity test never meets a recycled id.
_LAST_TIME: tuple[datetime | None, str] = (None, "")


def sqlite_time(moment: datetime) -> str:
    """An aware time as SQLAlchemy stores a naive UTC DATETIME on SQLite (always with
    microseconds, so that text comparisons order it right)."""
    global _LAST_TIME
    last = _LAST_TIME
    if moment is last[0]:
        return last[1]
    text = moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    _LAST_TIME = (moment, text)
    return text


def _sqlite_converter(column: Column[Any]) -> Callable[[Any], Any] | None:
    """How a value of this column goes to the DB-API on SQLite (None: as it is)."""
    if isinstance(column.type, UTCDateTime):
        return lambda v: None if v is None else sqlite_time(v)
    if isinstance(column.type, Boolean):
        return lambda v: None if v is None else int(v)
    if isinstance(column.type, Date):
        return lambda v: None if v is None else v.isoformat()
    return None


_CONVERTERS: dict[tuple[Table, tuple[str, ...]], list[tuple[int, Callable[[Any], Any]]]] = {}


def _sqlite_rows(table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[Any]:
    key = (table, tuple(columns))
    todo = _CONVERTERS.get(key)
    if todo is None:
        found = [(i, _sqlite_converter(table.c[name])) for i, name in enumerate(columns)]
        todo = _CONVERTERS[key] = [(i, f) for i, f in found if f is not None]
    if not todo:
        return [tuple(row) for row in rows]
    out = []
    for row in rows:
        values = list(row)
        for index, convert in todo:
            values[index] = convert(values[index])
        out.append(tuple(values))
    return out


def insert_tuples(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT rows given as tuples in ``columns`` order: on SQLite straight through the
    DB-API (executemany; no per-row SQLAlchemy work), on PostgreSQL as ONE statement."""
    if not rows:
        return
    if is_postgres(session):
        insert_rows(session, table, [dict(zip(columns, row, strict=True)) for row in rows])
        return
    sql, order = _driver_sql(
        session,
        ("insert-tuples", table, tuple(columns)),
        lambda: insert(table).values({name: bindparam(name) for name in columns}),
        columns,
    )
    values = _sqlite_rows(table, columns, rows)
    lite.executemany(session, sql, _in_order(values, order))


def update_tuples(
    session: Session,
    table: Table,
    key: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """UPDATE ``columns`` of the rows whose ``key`` matches; each row is the key, then
    the values in ``columns`` order (DB-API on SQLite, ONE statement on PostgreSQL)."""
    if not rows:
        return
    names = [key, *columns]
    if is_postgres(session):
        dicts = [dict(zip(names, row, strict=True)) for row in rows]
        update_rows(session, table, key, columns, dicts)
        return
    sql, order = _driver_sql(
        session,
        ("update-tuples", table, key, tuple(columns)),
        lambda: (
            update(table)
            .where(table.c[key] == bindparam("_k"))
            .values({name: bindparam(name) for name in columns})
        ),
        ["_k", *columns],
    )
    values = _sqlite_rows(table, names, rows)
    lite.executemany(session, sql, _in_order(values, order))


def _in_order(rows: list[tuple[Any, ...]], order: tuple[int, ...]) -> list[tuple[Any, ...]]:
    if order == tuple(range(len(order))):
        return rows
    return [tuple(row[i] for i in order) for row in rows]


_DRIVER_SQL: dict[tuple[Any, ...], tuple[str, tuple[int, ...]]] = {}


def _driver_sql(
    session: Session, key: tuple[Any, ...], build: Callable[[], Any], names: Sequence[str]
) -> tuple[str, tuple[int, ...]]:
    """A statement compiled once for the DB-API, and where each of its positional
    parameters stands in ``names`` (the order the caller's values come in)."""
    found = _DRIVER_SQL.get(key)
    if found is None:
        compiled = build().compile(dialect=session.get_bind().dialect)
        order = tuple(list(names).index(name) for name in compiled.positiontup or [])
        found = _DRIVER_SQL[key] = (str(compiled), order)
    return found


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def records(table: Table, columns: Sequence[str]) -> TableValuedAlias:
    """``json_populate_recordset(NULL::<table>, :rows)``: the whole batch as ONE JSON
    parameter (see :func:`payload`), expanded by PostgreSQL into rows of the table's own
    type."""
    row_type: Any = literal_column("NULL::" + table.name)
    batch = cast(bindparam("rows", type_=Text), JSON)
    return func.json_populate_recordset(row_type, batch).table_valued(
        *[c.key for c in table.columns]
    )


def payload(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """The ``rows`` parameter of a statement built on :func:`records`."""
    text = json.dumps(
        [{name: json_value(row.get(name)) for name in columns} for row in rows],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return {"rows": text}


# Statements are built once per (kind, table, columns): building one costs more Python
# time than PostgreSQL takes to run it for a small batch.
_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _statement(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    found = _STATEMENTS.get(key)
    if found is None:
        found = _STATEMENTS[key] = build()
    return found


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if not is_postgres(session):
        session.execute(insert(table), list(rows))
        return
    columns = [c.key for c in table.columns]

    def build() -> Any:
        source = records(table, columns)
        return insert(table).from_select(columns, select(*[source.c[name] for name in columns]))

    direct.execute(session, _statement(("insert", table), build), **payload(columns, rows))


def update_rows(
    session: Session, table: Table, key: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """UPDATE ``columns`` of the rows whose ``key`` matches, from dicts holding both."""
    if not rows:
        return
    if not is_postgres(session):
        statement = (
            update(table)
            .where(table.c[key] == bindparam("_k_" + key))
            .values({name: bindparam("_v_" + name) for name in columns})
        )
        session.execute(
            statement,
            [{"_k_" + key: row[key], **{"_v_" + n: row[n] for n in columns}} for row in rows],
        )
        return

    def build() -> Any:
        source = records(table, [key, *columns])
        return (
            update(table)
            .where(table.c[key] == source.c[key])
            .values({name: source.c[name] for name in columns})
        )

    statement = _statement(("update", table, key, tuple(columns)), build)
    session.execute(statement, payload([key, *columns], rows))


def upsert_rows(
    session: Session,
    table: Table,
    keys: Sequence[str],
    rows: Sequence[dict[str, Any]],
) -> None:
    """INSERT, or UPDATE every non-key column when the key exists."""
    if not rows:
        return
    columns = [c.key for c in table.columns]
    if is_postgres(session):

        def build() -> Any:
            source = records(table, columns)
            pg = pg_insert(table).from_select(columns, select(*[source.c[n] for n in columns]))
            return pg.on_conflict_do_update(
                index_elements=[table.c[k] for k in keys],
                set_={n: pg.excluded[n] for n in columns if n not in keys},
            )

        statement = _statement(("upsert", table, tuple(keys)), build)
        session.execute(statement, payload(columns, rows))
        return
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    lite = sqlite_insert(table)
    session.execute(
        lite.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={n: lite.excluded[n] for n in columns if n not in keys},
        ),
        list(rows),
    )
