"""The latest committed version, known in this process without asking the database.

Idle terminals pull with the cursor they got last time; if nothing was committed since,
the answer is an empty page with the same cursor, and it needs no database at all when
this process knows for sure what the latest version is. It learns it from:

- its own commits: every transaction that took versions publishes its highest one
  after the commit (a SQLAlchemy ``after_commit`` hook on the database's sessions);
- other processes on PostgreSQL: each writing transaction ``NOTIFY``s its highest
  version in the same statement (delivered at commit only); a listener thread here
  ``LISTEN``s on its own connection. While that connection is down nothing is trusted;
- other processes on SQLite (the CLI's head-office commands write the same file): the
  size and modification time of the database file and its WAL change on every commit.
  The version read from the database is trusted only while they stay as they were
  when it was read (sampled before the read, so a commit in between is never missed).

When in doubt (``latest()`` is None) the caller reads the database, as before.
Long polls wait here (``wait_beyond``) for a version above their cursor; a thread
wakes them when another process commits (the listener, or a stat poll on SQLite).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from sync_server.db import Database
from sync_server.repositories import changes as changes_repo

log = logging.getLogger(__name__)

_Stamp = tuple[int, ...]
_STAT_POLL_SECONDS = 0.5
_LISTEN_RETRY_SECONDS = 2.0


class ChangeFeed:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._lock = threading.Lock()
        self._version = 0
        self._trusted_stamp: _Stamp | None = None  # SQLite: files as they were at a read
        self._listening = False  # PostgreSQL: the listener has read the counter after LISTEN
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: set[asyncio.Future[None]] = set()  # long polls, on that loop
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        event.listen(database.writer_sessions, "after_commit", self._after_commit)
        event.listen(database.writer_sessions, "after_rollback", self._after_rollback)

    # --- what the pull asks ------------------------------------------------------------

    def latest(self) -> int | None:
        """The latest committed version if this process knows it for sure, else None."""
        if self.database.is_sqlite:
            if self._trusted_stamp is None or self._files_stamp() != self._trusted_stamp:
                return None
        elif not self._listening:
            return None
        return self._version

    def stamp(self) -> _Stamp | None:
        """Take before reading the counter, hand to ``confirm`` after (SQLite)."""
        return self._files_stamp() if self.database.is_sqlite else None

    def confirm(self, version: int, stamp: _Stamp | None) -> None:
        """The counter read from the database, with the files' stamp taken before it."""
        with self._lock:
            grew = version > self._version
            self._version = max(self._version, version)
            if stamp is not None:
                self._trusted_stamp = stamp
        if grew:  # long polls wait for a newer version: nothing else wakes them
            self._wake()

    def refresh(self) -> None:
        """After a write of this process that took no version (last-seen): on SQLite the
        files changed, so unchanged cursors would go to the database until the watcher
        thread reads the counter again (up to half a second, every second under
        traffic). Read it now instead (the stamp taken before the read, as always)."""
        if not self.database.is_sqlite:
            return
        try:
            stamp = self._files_stamp()
            self.confirm(self._read_counter(), stamp)
        except Exception:
            log.warning("change feed: could not read the version counter", exc_info=True)

    # --- long polls ----------------------------------------------------------------------

    async def wait_beyond(self, after: int, timeout: float) -> None:
        """Return when a version above ``after`` is known, when the PostgreSQL listener
        is lost, or at the timeout, whichever comes first. A waiter is a bare future and
        a timer on the event loop: no task, no thread, nothing polled while it waits."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._waiters = loop, set()
        deadline = loop.time() + timeout
        # On SQLite any write (not only versions) changes the files: the watcher thread
        # reads the counter again within a poll and wakes the waiters; they do not all
        # go to the database at once.
        while self._version <= after:
            if not self.database.is_sqlite and not self._listening:
                return  # the listener is down: ask the database
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            timer = loop.call_later(remaining, _resolve, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiters.discard(waiter)

    def _publish(self, version: int) -> None:
        with self._lock:
            if version <= self._version:
                return
            self._version = version
        self._wake()

    def _wake(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            _resolve(waiter)

    # --- hooks and the watcher thread -------------------------------------------------

    def _after_commit(self, session: Session) -> None:
        took = session.info.pop(changes_repo.TOOK_VERSION, None)
        if took is not None:
            self._publish(int(took))

    @staticmethod
    def _after_rollback(session: Session) -> None:
        session.info.pop(changes_repo.TOOK_VERSION, None)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        target: Callable[[], None] = (
            self._watch_files if self.database.is_sqlite else self._listen_forever
        )
        self._thread = threading.Thread(target=target, name="change-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._listening = False
        self._wake()

    def _read_counter(self) -> int:
        with self.database.read() as session:
            return changes_repo.current_version(session)

    def _files_stamp(self) -> _Stamp:
        stamp: list[int] = []
        path = self.database.url.database or ""
        for name in (path, path + "-wal"):
            try:
                found = os.stat(name)
            except OSError:
                stamp += [-1, -1]
            else:
                stamp += [found.st_size, found.st_mtime_ns]
        return tuple(stamp)

    def _watch_files(self) -> None:
        """SQLite: notice commits of other processes (a stat twice a second)."""
        while not self._stop.wait(_STAT_POLL_SECONDS):
            if self._files_stamp() == self._trusted_stamp:
                continue
            try:
                stamp = self._files_stamp()
                self.confirm(self._read_counter(), stamp)
            except Exception:
                log.warning("change feed: could not read the version counter", exc_info=True)

    def _listen_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception:
                log.warning("change feed: listener lost; retrying", exc_info=True)
            self._listening = False
            self._wake()  # waiters fall back to the database
            self._stop.wait(_LISTEN_RETRY_SECONDS)

    def _listen(self) -> None:
        """PostgreSQL: LISTEN first, then read the counter, then follow notifications."""
        import psycopg  # the PostgreSQL driver the server is installed with

        url = self.database.url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as connection:
            schema = connection.execute("SELECT current_schema()").fetchone()
            channel = f"{changes_repo.NOTIFY_CHANNEL}_{schema[0] if schema else 'public'}"
            connection.execute(f'LISTEN "{channel}"')
            row = connection.execute(
                "SELECT value FROM sync_counter WHERE id = %s", (changes_repo.COUNTER_ID,)
            ).fetchone()
            self.confirm(int(row[0]) if row else 0, None)
            self._listening = True
            while not self._stop.is_set():
                for note in connection.notifies(timeout=1.0):
                    self._publish_payload(note.payload)

    def _publish_payload(self, payload: Any) -> None:
        try:
            self._publish(int(payload))
        except (TypeError, ValueError):
            log.warning("change feed: ignored notification %r", payload)


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
