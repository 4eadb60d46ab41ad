"""The replica database: engine set-up (WAL, durable commits) and transactions.

Every write transaction starts with ``BEGIN IMMEDIATE``: it takes SQLite's write lock
up front, so two writers queue on ``busy_timeout`` instead of deadlocking when both
try to upgrade a read lock (seq allocation reads then writes). Reads use a plain
deferred ``BEGIN`` and never block writers (WAL).

pysqlite's own transaction handling is switched off (``isolation_level = None``) and
SQLAlchemy emits ``BEGIN`` itself, as the SQLAlchemy documentation recommends.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from terminal.offline.backup import backup_before_migration
from terminal.offline.migrate import upgrade_to_head

_BEGIN_OPTION = "replica_begin"


def _on_connect(busy_timeout_ms: int) -> Any:
    def configure(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA cache_size=-32768")
            cursor.execute("PRAGMA temp_store=MEMORY")
        finally:
            cursor.close()

    return configure


def _on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(path: Path, *, busy_timeout_ms: int = 5_000) -> Engine:
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _on_connect(busy_timeout_ms))
    event.listen(engine, "begin", _on_begin)
    return engine


class Replica:
    """The terminal's SQLite replica: opens (and migrates) the file, hands out transactions.

    ``write()`` is one ``BEGIN IMMEDIATE`` transaction, committed when the block ends
    and rolled back if it raises; ``read()`` is a deferred transaction that is always
    rolled back. Repositories work inside these and never commit.
    """

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_ms: int = 5_000,
        migrate: bool = True,
        backups_keep: int = 5,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(self.path, busy_timeout_ms=busy_timeout_ms)
        self.backup: Path | None = None  # the copy taken before migrating, if any
        if migrate:
            # A replica made by an older release is copied before it is migrated.
            self.backup = backup_before_migration(self.engine, self.path, keep=backups_keep)
            upgrade_to_head(self.engine)
        self._writer = sessionmaker(
            bind=self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}),
            expire_on_commit=False,
            autoflush=True,
        )
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._writer() as session, session.begin():
            session.connection()  # BEGIN IMMEDIATE now, not at the first statement
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            try:
                yield session
            finally:
                session.rollback()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Replica:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
