"""PostgreSQL: statements of the push path on the session's psycopg connection.

The counterpart of ``lite.py``. A push is a handful of statements, each a few tens of
microseconds of PostgreSQL's time; SQLAlchemy's execution path around each (execution
context, result metadata, type processing, events) cost more of the server's CPU than
psycopg's own work (bench/push_cost.py). Here a Core statement is compiled once for the
dialect and run on the session's DB-API connection, in the session's transaction.

Values cross as ``UTCDateTime`` would carry them, the only type of this schema that
converts: an aware datetime parameter goes as naive UTC, a naive datetime read back
becomes aware UTC (every timestamp column is ``UTCDateTime``). IN lists are written as
``= ANY(:ids)`` with a list (one statement text for any number of ids); a statement
here holds no other IN list (they are expanded per execution). A DB-API error
is raised as SQLAlchemy's own (``IntegrityError``, ``OperationalError``, ...), so the
push's retries see no difference.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import Text, any_, bindparam, exc
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from sync_server.repositories.lite import dbapi_connection

_COMPILED: dict[int, tuple[Any, str, tuple[str, ...], dict[str, Any]]] = {}


def _compiled(session: Session, statement: Any) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    found = _COMPILED.get(id(statement))
    if found is None or found[0] is not statement:
        done = statement.compile(dialect=session.get_bind().dialect)
        names = tuple(done.params)
        found = _COMPILED[id(statement)] = (statement, str(done), names, dict(done.params))
    return found[1], found[2], found[3]


def _bound(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _read(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@contextmanager
def _translated(sql: str, params: Any) -> Iterator[None]:
    try:
        yield
    except psycopg.Error as error:
        raise exc.DBAPIError.instance(sql, params, error, psycopg.Error) from error


def _run(session: Session, statement: Any, values: dict[str, Any]) -> Any:
    sql, names, held = _compiled(session, statement)
    params = {name: _bound(values[name] if name in values else held[name]) for name in names}
    cursor = dbapi_connection(session).cursor()
    with _translated(sql, params):
        cursor.execute(sql, params)
    return cursor


def rows(session: Session, statement: Any, **values: Any) -> list[tuple[Any, ...]]:
    """Every row the statement returns, times as aware UTC datetimes."""
    cursor = _run(session, statement, values)
    with _translated("fetch", None):
        fetched = cursor.fetchall()
    return [tuple(_read(v) for v in row) for row in fetched]


def execute(session: Session, statement: Any, **values: Any) -> None:
    _run(session, statement, values)


def any_of(column: Any, name: str) -> Any:
    """``column = ANY(:name)``: an IN list as one array parameter (a list of text)."""
    return column == any_(bindparam(name, type_=ARRAY(Text)))


def executemany(session: Session, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """The statement once per row (psycopg sends them in one pipeline: one round trip)."""
    if not rows:
        return
    sql, names, held = _compiled(session, statement)
    params = [
        {name: _bound(row[name] if name in row else held[name]) for name in names} for row in rows
    ]
    cursor = dbapi_connection(session).cursor()
    with _translated(sql, params):
        cursor.executemany(sql, params)
