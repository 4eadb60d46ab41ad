"""Change notification for the sync loop: a long poll instead of pulling every few seconds.

A :class:`ChangeWatcher` thread asks the server, on its own connection, for the changes
after the replica's cursor with ``wait`` (``GET /v1/changes?wait=S``): the server holds
the answer until something changes or the wait is over. When a change is there, or the
server answers again after failing, it wakes the sync loop, which then pushes and pulls
as usual (the watcher applies nothing). While the server long-polls, the loop itself
needs to run only now and then (``healthy``); a server that answers at once (one without
long polls) is asked every ``poll_interval`` instead, as the loop used to.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from terminal.offline.sync_client import AuthRevoked, SyncClient, SyncError

log = logging.getLogger(__name__)


class ChangeWatcher:
    def __init__(
        self,
        client: SyncClient,
        cursor: Callable[[], str | None],
        *,
        wait: float = 25.0,
        poll_interval: float = 5.0,
    ) -> None:
        self._client = client
        self._cursor = cursor
        self._wait = wait
        self._poll_interval = poll_interval
        self.wake: Callable[[], None] = lambda: None  # set by the sync loop
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._long_polling = False
        self._failing = False

    @property
    def healthy(self) -> bool:
        """The server long-polls and answered the last ask: changes will wake the loop."""
        return self._long_polling and not self._failing

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="change-watch", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._client.close()  # ends a long poll in flight
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                pause = self._ask_once()
            except Exception:  # e.g. the client closed under a poll by stop()
                if self._stop.is_set():
                    return
                log.exception("change watch failed; asking again later")
                self._failing, pause = True, self._poll_interval
            if pause:
                self._stop.wait(pause)

    def _ask_once(self) -> float:
        """One long poll; returns how long to pause before the next."""
        cursor = self._cursor()
        if cursor is None:  # not bootstrapped yet: the loop's first pull comes first
            return self._poll_interval
        started = time.monotonic()
        try:
            body = self._client.pull_body(cursor, 1, wait=self._wait)
            page = self._client.parse_changes(body)
        except AuthRevoked:
            self._stop.set()  # the sync loop stops too, with the message for a manager
            return 0
        except SyncError as exc:
            if self._stop.is_set():
                return 0
            if not self._failing:
                log.info("change watch: %s", exc)
            self._failing = True
            return self._poll_interval
        if self._failing:  # back online: let the loop push what queued meanwhile
            self._failing = False
            self.wake()
        if page.changes:
            self.wake()
            return self._until_cursor_moves(cursor)
        # An empty answer well before the wait was over: the server does not long-poll.
        self._long_polling = time.monotonic() - started >= self._wait / 2
        return 0 if self._long_polling else self._poll_interval

    def _until_cursor_moves(self, cursor: str) -> float:
        """After waking the loop, let its pull move the cursor before asking again."""
        deadline = time.monotonic() + max(self._poll_interval, 1.0)
        while self._cursor() == cursor and time.monotonic() < deadline:
            if self._stop.wait(0.05):
                return 0
        return 0
