"""Bearer tokens without a database transaction per request, and last-seen in batches.

- ``TokenCache``: token hash -> terminal, at most ``size`` entries (the least recently
  used go first). A token revoked in this process is dropped at once; one revoked
  elsewhere (another worker, the CLI) stops working within ``ttl``: entries live that
  long, or, while a ``RevocationSweep`` runs (every ``ttl / 2`` seconds it asks the
  database for the terminals revoked lately and drops them), up to ten minutes, so an
  idle till's token, used a minute apart, is not read again each time.
  Pushes lock and re-read their terminal row anyway, so a revoked terminal's push is
  refused at once everywhere; only pulls and day closes rely on the bound.
- ``SeenRecorder``: what a request tells about its terminal (when it was seen, its
  version, its queue depth) is kept in memory and written for every terminal at once,
  one transaction per flush; a terminal that says nothing new is written at most once
  per ``interval``.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sync_server.db import Database
from sync_server.models import Terminal, table_of
from sync_server.repositories import bulk
from sync_server.repositories import terminals as terminals_repo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedTerminal:
    terminal_id: str
    store_code: str


class TokenCache:
    """Token hash -> terminal. ``get`` takes the age an entry may have: the short bound
    (``auth_cache_seconds``) when nothing else watches for revocations, a long one while
    a ``RevocationSweep`` drops revoked terminals within that bound anyway."""

    def __init__(self, *, ttl: float, size: int) -> None:
        self.ttl = ttl
        self.size = max(1, size)
        self._entries: OrderedDict[str, tuple[float, CachedTerminal]] = OrderedDict()
        self._lock = threading.Lock()
        _CACHES.add(self)

    def get(self, token_hash: str, max_age: float | None = None) -> CachedTerminal | None:
        if self.ttl <= 0:
            return None
        oldest = time.monotonic() - (self.ttl if max_age is None else max_age)
        with self._lock:
            found = self._entries.get(token_hash)
            if found is None:
                return None
            if found[0] < oldest:
                del self._entries[token_hash]
                return None
            self._entries.move_to_end(token_hash)
            return found[1]

    def put(self, token_hash: str, terminal: CachedTerminal) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries[token_hash] = (time.monotonic(), terminal)
            self._entries.move_to_end(token_hash)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget_terminal(self, terminal_id: str) -> None:
        with self._lock:
            for key in [k for k, (_, t) in self._entries.items() if t.terminal_id == terminal_id]:
                del self._entries[key]


# How long a cached token may live while revocations are swept (a sweep that failed for
# this long, the database away, falls back to asking it again).
SWEPT_MAX_AGE_SECONDS = 600.0
# Revocations looked for: those of the last minute (clocks of other hosts may differ).
_SWEEP_LOOKBACK = timedelta(seconds=60)


class RevocationSweep:
    """Every ``every`` seconds, one small query for the terminals revoked lately (by
    another worker or the CLI); their tokens are dropped from every cache of this
    process. With it, an idle till's token stays cached (its requests come a minute
    apart: with only a 5 s lifetime each would read the database), and a revocation
    made anywhere still takes effect within ``every`` seconds plus a query."""

    def __init__(self, database: Database, *, every: float) -> None:
        self.database = database
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_swept = 0.0  # monotonic

    @property
    def running(self) -> bool:
        """Sweeping, and the last sweep is recent: long-lived cache entries are safe."""
        return self._thread is not None and time.monotonic() - self.last_swept < max(
            10.0, 3 * self.every
        )

    def sweep(self) -> None:
        since = datetime.now(UTC) - _SWEEP_LOOKBACK - timedelta(seconds=self.every)
        with self.database.read() as session:
            revoked = terminals_repo.revoked_since(session, since)
        for terminal_id in revoked:
            forget_terminal_everywhere(terminal_id)
        self.last_swept = time.monotonic()

    def start(self) -> None:
        if self._thread is None and self.every > 0:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="revocations", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        failing = False
        while True:
            try:
                self.sweep()
                failing = False
            except Exception:
                if not failing:  # once per outage, not every few seconds
                    log.warning("could not look for revoked terminals", exc_info=True)
                failing = True
            if self._stop.wait(self.every):
                return


# Every cache of this process: a revocation made here (the console, a test) drops the
# terminal from all of them at once. Terminal ids are unique across deployments.
_CACHES: weakref.WeakSet[TokenCache] = weakref.WeakSet()


def forget_terminal_everywhere(terminal_id: str) -> None:
    for cache in list(_CACHES):
        cache.forget_terminal(terminal_id)


@dataclass
class _Seen:
    at: datetime | None = None  # last written
    version: str | None = None
    queue_depth: int | None = None


class SeenRecorder:
    """Last-seen, reported version and queue depth, written in batches."""

    def __init__(self, database: Database, *, interval: timedelta, flush_every: float) -> None:
        self.database = database
        self.interval = interval
        self.flush_every = flush_every
        self._written: dict[str, _Seen] = {}  # as last written (or read), by terminal
        self._due: dict[str, dict[str, object]] = {}  # rows for the next flush
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Called after each write (the change feed's refresh: SQLite's files changed).
        self.after_flush: Callable[[], None] | None = None

    def known(
        self, terminal_id: str, at: datetime | None, version: str | None, depth: int | None
    ) -> None:
        """What the database holds (read on a cache miss), unless we wrote newer."""
        with self._lock:
            self._written.setdefault(terminal_id, _Seen(at, version, depth))

    def saw(self, terminal_id: str, now: datetime, version: str | None, depth: int | None) -> None:
        with self._lock:
            last = self._written.setdefault(terminal_id, _Seen())
            stale = (
                last.at is None
                or now - last.at > self.interval
                or (version is not None and version[:64] != last.version)
                or (depth is not None and depth != last.queue_depth)
            )
            if not stale:
                return
            last.at = now
            row: dict[str, object] = self._due.setdefault(terminal_id, {"id": terminal_id})
            row["last_seen_at"] = now
            if version is not None:
                last.version = row["reported_version"] = version[:64]
            if depth is not None:
                last.queue_depth = row["queue_depth"] = depth
        if self._thread is None:  # no flusher running (e.g. a service used directly)
            self.flush()

    @property
    def background(self) -> bool:
        """Whether a thread flushes (else ``saw`` writes before it returns)."""
        return self._thread is not None

    def forget(self, terminal_id: str) -> None:
        with self._lock:
            self._written.pop(terminal_id, None)
            self._due.pop(terminal_id, None)

    def flush(self) -> None:
        """Write what is due, one transaction (one UPDATE per set of columns)."""
        with self._flushing:
            with self._lock:
                due, self._due = self._due, {}
            if not due:
                return
            groups: dict[tuple[str, ...], list[dict[str, object]]] = {}
            for terminal_id in sorted(due):  # one lock order: no deadlocks between flushes
                row = due[terminal_id]
                groups.setdefault(tuple(sorted(k for k in row if k != "id")), []).append(row)
            try:
                with self.database.write() as session:
                    for columns, rows in groups.items():
                        bulk.update_rows(session, table_of(Terminal), "id", list(columns), rows)
                if self.after_flush is not None:
                    self.after_flush()
            except Exception:
                log.warning("could not record last-seen of %d terminals", len(due), exc_info=True)
                with self._lock:  # keep them for the next flush, unless newer came
                    for terminal_id, row in due.items():
                        self._due.setdefault(terminal_id, row)

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="seen-flush", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_every):
            self.flush()
