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


def lock_by_id(session: Session, table: Table, ids: Collection[str]) -> Sequence[Row[Any]]:
    """The rows of ``table`` with these ``id``s, locked FOR UPDATE in id order (so that
    two transactions locking overlapping sets never deadlock)."""
    if not ids:
        return []
    return session.execute(
        select(table).where(table.c.id.in_(sorted(ids))).order_by(table.c.id).with_for_update()
    ).all()


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _json_value(value: Any) -> Any:
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
        [{name: _json_value(row.get(name)) for name in columns} for row in rows],
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

    session.execute(_statement(("insert", table), build), payload(columns, rows))


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
