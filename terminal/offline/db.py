"""The replica database: engine set-up (WAL, durable commits) and transactions.

Every write transaction starts with ``BEGIN IMMEDIATE``: it takes SQLite's write lock
up front, so two writers queue on ``busy_timeout`` instead of deadlocking when both
try to upgrade a read lock (seq allocation reads then writes). Reads use a plain
deferred ``BEGIN`` and never block writers (WAL).

pysqlite's own transaction handling is switched off (``isolation_level = None``) and
SQLAlchemy emits ``BEGIN`` itself, as the SQLAlchemy documentation recommends.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from shared.private_files import private_file
from terminal.offline.backup import backup_before_migration
from terminal.offline.migrate import upgrade_to_head

log = logging.getLogger(__name__)

_BEGIN_OPTION = "replica_begin"
_PRAGMA_OPTION = "replica_pragmas"
# Per-connection settings every transaction starts with unless it asks otherwise.
_DURABLE = (("synchronous", "FULL"), ("wal_autocheckpoint", "1000"))
# Pulled pages: no fsync per commit, and a WAL of up to 64 MiB before a checkpoint (an
# index page rewritten by several pages of a bootstrap is copied to the file once).
_RELAXED = (("synchronous", "NORMAL"), ("wal_autocheckpoint", "16384"))
_DEFAULTS = dict(_DURABLE)  # what a new connection has (SQLite's own defaults)


def _configure(dbapi_connection: sqlite3.Connection, busy_timeout_ms: int) -> None:
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


def _on_connect(busy_timeout_ms: int) -> Any:
    def configure(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        _configure(dbapi_connection, busy_timeout_ms)

    return configure


def _on_begin(conn: Connection) -> None:
    options = conn.get_execution_options()
    # SQLite takes the safety level only outside a transaction: set it (where it differs
    # from what this connection has) just before BEGIN.
    info = conn.connection.info
    for name, value in options.get(_PRAGMA_OPTION, _DURABLE):
        if info.get(name, _DEFAULTS[name]) != value:
            conn.exec_driver_sql(f"PRAGMA {name}={value}")
            info[name] = value
    mode = options.get(_BEGIN_OPTION, "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


# The hot-path connection never checkpoints in a cashier's commit: every this many of its
# write transactions (an earn adds ~15 pages to the WAL: about SQLite's default of 1,000
# pages) the checkpoint thread folds the WAL into the file instead.
CHECKPOINT_EVERY = 64


class Checkpointer:
    """Folds the WAL into the database file on its own thread and connection, when
    asked (``request``), so that a durable commit does not wait for a checkpoint.

    A checkpoint that runs beside writers copies what was committed when it started;
    what was committed meanwhile stays in the WAL, which then cannot start again from
    its beginning (a WAL that only grows makes every commit's fsync dearer: the file's
    size changes too). So once a background checkpoint is done, ``catch_up`` asks the
    next hot-path writer to checkpoint, right after its commit, the few frames left.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.catch_up = False
        self.runs = 0  # background checkpoints done (for tests and benchmarks)

    def request(self) -> None:
        with self._lock:
            if self._stopping:
                return
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="replica-checkpoint", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        connection = sqlite3.connect(self._path)
        _configure(connection, 0)  # a PASSIVE checkpoint never waits anyway
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # the next request tries again
                    log.warning("replica checkpoint failed: %s", exc)
                    continue
                self.runs += 1
                self.catch_up = True
        finally:
            connection.close()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join()


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
        private_file(self.path)  # 0600 (its -wal/-shm too), new directories 0700
        self.engine = make_engine(self.path, busy_timeout_ms=busy_timeout_ms)
        self._busy_timeout_ms = busy_timeout_ms
        self._own = threading.local()  # each thread's DB-API connection (``driver``)
        self._drivers: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._drivers_lock = threading.Lock()
        self.checkpointer = Checkpointer(self.path)
        self._driver_commits = 0
        self.backup: Path | None = None  # the copy taken before migrating, if any
        if migrate:
            # An interrupted bulk load left indexes to build: the schema is whole again
            # before anything (a migration included) uses it.
            self.restore_deferred_indexes()
            # A replica made by an older release is copied before it is migrated.
            self.backup = backup_before_migration(self.engine, self.path, keep=backups_keep)
            upgrade_to_head(self.engine)
        self._writer = sessionmaker(
            bind=self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}),
            expire_on_commit=False,
            autoflush=True,
        )
        self._relaxed_writer = sessionmaker(
            bind=self.engine.execution_options(
                **{_BEGIN_OPTION: "IMMEDIATE", _PRAGMA_OPTION: _RELAXED}
            ),
            expire_on_commit=False,
            autoflush=True,
        )
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Session]:
        """``durable=False`` commits without waiting for the disk (``synchronous=NORMAL``,
        checkpoints less often): only for data the server can send again, such as a
        pulled page and its cursor. WAL keeps commits in order, so a power cut loses at
        most the last such commits, never an earlier one, and the next durable commit
        makes them durable too."""
        factory = self._writer if durable else self._relaxed_writer
        with factory() as session, session.begin():
            session.connection()  # BEGIN IMMEDIATE now, not at the first statement
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            try:
                yield session
            finally:
                session.rollback()

    # --- the hot paths: plain DB-API, no ORM session ------------------------------------

    def driver(self) -> sqlite3.Connection:
        """This thread's own DB-API connection to the replica, set up as the engine's are
        (WAL, ``synchronous=FULL``, foreign keys, busy timeout), in autocommit mode.

        For the few operations a cashier waits on (a look-up, an earn), where a session
        cost several times SQLite's own work. sqlite3 keeps each distinct SQL text
        prepared (its statement cache), so a repeated statement is not parsed again."""
        connection: sqlite3.Connection | None = getattr(self._own, "connection", None)
        if connection is None:
            # Used only by the thread that made it; closed by ``close`` from any thread.
            connection = sqlite3.connect(self.path, check_same_thread=False)
            _configure(connection, self._busy_timeout_ms)
            connection.execute("PRAGMA wal_autocheckpoint=0")  # see CHECKPOINT_EVERY
            with self._drivers_lock:
                # the connections of threads that have ended go when a new one comes
                ended = [c for thread, c in self._drivers if not thread.is_alive()]
                self._drivers = [(t, c) for t, c in self._drivers if t.is_alive()]
                self._drivers.append((threading.current_thread(), connection))
            for old in ended:
                old.close()
            self._own.connection = connection
        return connection

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Every row of one statement, read outside any explicit transaction: SQLite
        reads one statement from one snapshot, and the rows are fetched to the end so
        the snapshot is released at once (WAL checkpoints are not held back)."""
        return self.driver().execute(sql, params).fetchall()

    @contextmanager
    def read_driver(self) -> Iterator[sqlite3.Connection]:
        """A read transaction on this thread's DB-API connection: every statement in the
        block reads the same snapshot; it ends (releasing the snapshot) with the block."""
        connection = self.driver()
        connection.execute("BEGIN")
        try:
            yield connection
        finally:
            if connection.in_transaction:
                connection.execute("COMMIT")

    @contextmanager
    def write_driver(self) -> Iterator[sqlite3.Connection]:
        """One durable ``BEGIN IMMEDIATE`` transaction on this thread's DB-API
        connection: committed when the block ends (``synchronous=FULL``), rolled back if
        it raises. The same guarantees as ``write()``, without a session.

        Its WAL checkpoints run on the checkpoint thread (every ``CHECKPOINT_EVERY``
        commits); after one, the next commit's thread copies the few frames left (see
        ``Checkpointer``), after its commit: a failure there is only logged."""
        connection = self.driver()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
            connection.execute("COMMIT")
        finally:
            if connection.in_transaction:  # raised, or the commit itself failed
                connection.execute("ROLLBACK")
        self._driver_commits += 1
        if self.checkpointer.catch_up:
            self.checkpointer.catch_up = False
            try:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:  # committed all the same; the next one tries again
                log.warning("replica checkpoint failed: %s", exc)
        elif self._driver_commits % CHECKPOINT_EVERY == 0:
            self.checkpointer.request()

    def restore_deferred_indexes(self) -> list[str]:
        """Build the indexes a bulk load dropped (``terminal.offline.pull.defer_indexes``),
        one transaction each, from the DDL kept with them. Returns their names."""
        with self.engine.connect() as conn:
            known = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deferred_indexes'"
            ).first()
            names = (
                []
                if known is None
                else list(
                    conn.exec_driver_sql(
                        "SELECT name FROM deferred_indexes ORDER BY name"
                    ).scalars()
                )
            )
            conn.rollback()
        writer = self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        for name in names:
            with writer.begin() as conn:
                ddl = conn.exec_driver_sql(
                    "SELECT ddl FROM deferred_indexes WHERE name = ?", (name,)
                ).scalar_one_or_none()
                if ddl is None:
                    continue  # another connection built it meanwhile
                conn.exec_driver_sql(ddl.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
                conn.exec_driver_sql("DELETE FROM deferred_indexes WHERE name = ?", (name,))
        if names:  # fold the bulk load's WAL into the file and give the disk space back
            raw = self.engine.raw_connection()  # outside any transaction
            try:
                driver = raw.driver_connection
                assert driver is not None
                driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        return names

    def close(self) -> None:
        self.checkpointer.stop()
        with self._drivers_lock:
            drivers, self._drivers = self._drivers, []
        self._own = threading.local()
        for _thread, connection in drivers:
            connection.close()
        self.engine.dispose()

    def __enter__(self) -> Replica:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
