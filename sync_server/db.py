"""Engines and transactions. A service method opens exactly one transaction here.

SQLite: WAL, and writers start with ``BEGIN IMMEDIATE`` so that concurrent writers
(several workers on one file) serialise instead of failing on lock upgrades. Inside one
process, writers also queue on a lock first: SQLite's busy handler polls with sleeps of
up to 100 ms, so threads contending for its write lock waited long after it was free
(the tail of push latency under load); a waiting thread is woken as soon as the lock is
released. Readers use a second engine with a plain deferred ``BEGIN``.
PostgreSQL: READ COMMITTED; writers take explicit row locks (see the repositories).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from shared.private_files import private_file


def _sqlite_engine(url: URL, begin: str) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        private_file(Path(database))  # 0600 (its -wal/-shm too), new directories 0700
    engine = create_engine(
        url, connect_args={"timeout": 60, "check_same_thread": False}, pool_size=8
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


class Database:
    """Owns the engines; hands out write and read transactions."""

    def __init__(self, url: str, *, pool_size: int = 5) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.write_engine = _sqlite_engine(self.url, "BEGIN IMMEDIATE")
            self.read_engine = _sqlite_engine(self.url, "BEGIN")
        else:
            self.write_engine = create_engine(
                self.url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True
            )
            self.read_engine = self.write_engine
        self._writer = sessionmaker(self.write_engine, expire_on_commit=False)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)
        self.writer_sessions = self._writer  # for session events (e.g. after_commit)
        # Re-entrant: a nested write in one thread meets SQLite's own lock (and its
        # timeout error) as before, instead of waiting for itself forever.
        self._write_queue: AbstractContextManager[Any] = (
            threading.RLock() if self.is_sqlite else nullcontext()
        )

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One read-write transaction: committed on success, rolled back on error."""
        with self._write_queue, self._writer.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader.begin() as session:
            yield session

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
