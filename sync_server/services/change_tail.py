"""The recent end of the change log, held in this process for the pulls that follow it.

Every till pulls every chain-wide change, so the pull's cost grows with tills x changes:
read from the database and turned into JSON for each till, a change cost about 10 us of
server CPU (bench/request_cost.py ``pull_200``), which 2,000 tills each pulling what 200
events a second change made it cost more than the two cores have. Here each change is
read once per process and its JSON text kept; a pull whose cursor is inside the tail is
answered by joining those texts, without the database.

What the tail holds is the change log as it was at one version (``upto``) for every
version above ``base``: the log keeps one row per entity (a newer version replaces the
older), and so does the tail. It is brought up to date, in one statement, when the
change feed knows of a newer committed version (``ChangeFeed.latest``); while the feed
is unsure (None) nothing is answered from here. Versions commit in order, so the rows
above ``upto`` read with the counter in one snapshot are exactly the ones missing.

A page from here equals the database's page as of ``upto``. Two things change the log
without a new version: a staff change scoped to its store (in the same transaction as
its version, so a reader never sees it unscoped) and the purge of tombstones older than
the retention (``MaintenanceService.purge_tombstones``), which could make a cursor
expire. The tail is therefore only used while its ``base`` is younger than
``max_age`` seconds (far below the retention of days), and is started again from the
latest version after that, when it would grow beyond ``max_entries`` or when more than
``max_catch_up`` rows arrived at once (a bulk import): a cursor before the base is
answered from the database as before.
"""

from __future__ import annotations

import json
import re
import threading
import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

_PLAIN_ID = re.compile(r"[A-Za-z0-9@*._:-]*\Z")


def fragment(
    entity: str,
    entity_id: str,
    version: int,
    op: str,
    data: str | None,
    effective_from: str | None = None,
) -> str:
    """One change as the page's JSON object (``entity_id`` as the till sees it); a
    scheduled program roll-out carries its ``effective_from`` (RFC 3339, UTC)."""
    quoted = f'"{entity_id}"' if _PLAIN_ID.match(entity_id) else json.dumps(entity_id)
    return (
        f'{{"entity":"{entity}","op":"{op}","id":{quoted},'
        f'"version":{version},"data":{data if data is not None else "null"}'
        + (f',"effective_from":"{effective_from}"}}' if effective_from else "}")
    )


@dataclass(frozen=True, slots=True)
class TailRow:
    """A change-log row as the tail reads it."""

    entity: str
    entity_id: str  # as stored (a staff member's leaving carries "@<store>")
    version: int
    op: str
    data: str | None
    store_code: str | None  # None: every terminal
    # a program change's roll-out time when scheduled (fixed once written: roll-outs
    # are never moved or withdrawn), else None
    effective_from: str | None = None


@dataclass(frozen=True, slots=True)
class TailRead:
    current: int  # the counter in the same snapshot
    rows: list[TailRow]  # every row above the version asked for, in version order
    complete: bool  # False: more rows than asked for (the tail starts again)


# (after, at most this many rows) -> what the database holds above ``after``
Reader = Callable[[int, int], TailRead]
# an entity id as stored -> as the till sees it
Shown = Callable[[str, str], str]


class ChangeTail:
    def __init__(
        self,
        read: Reader,
        shown: Shown,
        *,
        max_entries: int = 100_000,
        max_catch_up: int = 5_000,
        max_age: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._shown = shown
        self.max_entries = max_entries
        self.max_catch_up = max_catch_up  # rows read at once (a bulk import: start again)
        self.max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self.base: int | None = None  # None: not started
        self.upto = 0
        self._started_at = 0.0
        self._versions: list[int] = []  # ascending; some no longer live
        self._entries: dict[int, tuple[str | None, str]] = {}  # live: store, JSON text
        self._version_of: dict[tuple[str, str], int] = {}  # (entity, id) -> live version

    def page(
        self, after: int, limit: int, store_code: str | None, latest: int | None
    ) -> tuple[list[str], int, bool] | None:
        """The changes above ``after`` for a till of ``store_code`` (at most ``limit``),
        the version the page is as of, and whether more follow; None when the tail
        cannot say (the caller reads the database). ``latest``: the change feed's latest
        committed version (None: unknown)."""
        if latest is None:
            return None
        with self._lock:
            if self.base is None or self._clock() - self._started_at > self.max_age:
                self._start(latest)
            if latest > self.upto:
                self._catch_up()
            base = self.base
            if base is None or after < base or after > self.upto:
                return None
            return self._collect(after, limit, store_code)

    def _start(self, at: int) -> None:
        self.base = self.upto = at
        self._started_at = self._clock()
        self._versions, self._entries, self._version_of = [], {}, {}

    def _catch_up(self) -> None:
        room = min(self.max_entries - len(self._entries), self.max_catch_up)
        read = self._read(self.upto, max(room, 1))
        if not read.complete:  # too much at once: start again after it
            self._start(read.current)
            return
        versions, entries, version_of = self._versions, self._entries, self._version_of
        for row in read.rows:
            key = (row.entity, row.entity_id)
            older = version_of.get(key)
            if older is not None:
                entries.pop(older, None)
            version_of[key] = row.version
            shown = self._shown(row.entity, row.entity_id)
            text = fragment(row.entity, shown, row.version, row.op, row.data, row.effective_from)
            entries[row.version] = (row.store_code, text)
            versions.append(row.version)
        self.upto = max(self.upto, read.current)
        if len(versions) > 2 * len(entries) + 1024:
            self._versions = [v for v in versions if v in entries]

    def _collect(
        self, after: int, limit: int, store_code: str | None
    ) -> tuple[list[str], int, bool]:
        versions, entries = self._versions, self._entries
        found: list[str] = []
        last = after
        index = bisect_right(versions, after)
        end = len(versions)
        while index < end:
            entry = entries.get(versions[index])
            if entry is not None and (entry[0] is None or entry[0] == store_code):
                if len(found) == limit:
                    return found, last, True
                found.append(entry[1])
                last = versions[index]
            index += 1
        return found, (last if found else max(after, self.upto)), False
