"""SQLite: statements of the push path straight through the DB-API.

On SQLite the database work of a small push is a few microseconds per statement; what
SQLAlchemy's execution path adds around each (execution context, result metadata, type
processing, events) was most of a push's CPU (bench/push_cost.py). The push path's
statements therefore run on the session's own DB-API connection, in the session's
transaction (``session.connection()`` begins it, with ``BEGIN IMMEDIATE``), and
convert their values themselves: times as SQLAlchemy stores a naive UTC ``DATETIME``
(``bulk.sqlite_time``), read back as aware UTC datetimes (:func:`utc`).

A DB-API error is raised as SQLAlchemy's own (``IntegrityError``, ``OperationalError``,
...), so callers that retry on those see no difference.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exc
from sqlalchemy.orm import Session

_HELD = "repositories.dbapi_connection"


def dbapi_connection(session: Session) -> Any:
    """The session's DB-API connection, inside its transaction (begun if need be).
    Kept in ``session.info`` for the transaction: asking the session for it costs more
    than a statement."""
    held = session.info.get(_HELD)
    if held is not None and held[0] is session.get_transaction():
        return held[1]
    connection = session.connection().connection
    session.info[_HELD] = (session.get_transaction(), connection)
    return connection


def cursor(session: Session) -> sqlite3.Cursor:
    """A DB-API cursor on the session's connection, inside its transaction."""
    return dbapi_connection(session).cursor()  # type: ignore[no-any-return]


@contextmanager
def _translated(sql: str, params: Any) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as error:
        raise exc.DBAPIError.instance(sql, params, error, sqlite3.Error) from error


def rows(session: Session, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Every row a statement returns (plain tuples)."""
    with _translated(sql, params):
        return cursor(session).execute(sql, params).fetchall()


def execute(session: Session, sql: str, params: Sequence[Any] = ()) -> None:
    with _translated(sql, params):
        cursor(session).execute(sql, params)


def executemany(session: Session, sql: str, params: Sequence[Sequence[Any]]) -> None:
    with _translated(sql, params):
        cursor(session).executemany(sql, params)


_COMPILED: dict[int, tuple[Any, str, tuple[str, ...], dict[str, Any]]] = {}


def compiled(session: Session, statement: Any, **values: Any) -> tuple[str, list[Any]]:
    """The SQLite text of a Core statement built once (compiled once per process), and
    its positional parameters: ``values`` by name, the rest as the statement holds them."""
    found = _COMPILED.get(id(statement))
    if found is None or found[0] is not statement:
        done = statement.compile(dialect=session.get_bind().dialect)
        order = tuple(done.positiontup or ())
        found = _COMPILED[id(statement)] = (statement, str(done), order, dict(done.params))
    _, sql, order, held = found
    return sql, [values[name] if name in values else held[name] for name in order]


def marks(count: int) -> str:
    """``?, ?, ...``: the placeholders of an IN list of ``count`` values."""
    return ", ".join("?" * count)


def utc(value: str | None) -> datetime | None:
    """A stored time (naive UTC text) as an aware datetime, as ``UTCDateTime`` reads it."""
    if value is None:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)
