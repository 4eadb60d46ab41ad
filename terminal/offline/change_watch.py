"""Change notification for the sync loop: a long poll instead of pulling every few seconds.

A :class:`ChangeWatcher` thread asks the server, on its own connection, for the changes
after the replica's cursor with ``wait`` (``GET /v1/changes?wait=S``): the server holds
the answer until something changes or the wait is over. When a change is there, or the
server answers again after failing, it wakes the sync loop, which then pushes and pulls
as usual (the watcher applies nothing). While the server long-polls, the loop itself
needs to run only now and then (``healthy``); a server that answers at once (one without
long polls) is asked every ``poll_interval`` instead, as the loop used to.

Timing, so that a chain's tills cost the server little and never move as one herd:

- each ask waits ``wait`` seconds +-10 % (50 s by default: under the 60 s idle timeout
  of common proxies), so an idle till makes about one request a minute and a thousand
  of them do not ask in step;
- after waking the loop, the next ask starts ``min_gap`` seconds (+-20 %) after that
  wake at the soonest: in a busy chain, where something has always changed, a till
  pulls others' changes about every ``min_gap`` seconds, not as fast as it can;
- a wake is delayed by a random 0-``wake_spread`` seconds: one head-office change wakes
  every till of the chain, and their pulls arrive spread over that time;
- while the server cannot be reached, asks are retried after ``retry_delay`` (jittered,
  growing with the outage: see ``terminal.offline.sync_engine.probe_delay``), and the
  first wake after an outage is spread over up to a twentieth of it (at most 30 s, as
  the loop's own return: ``return_delay``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from terminal.offline.sync_client import AuthRevoked, SyncClient, SyncError
from terminal.offline.timing import (
    LONG_POLL_SECONDS,
    WAKE_SPREAD_SECONDS,
    WATCH_MIN_GAP_SECONDS,
    probe_delay,
    return_delay,
)

log = logging.getLogger(__name__)


class ChangeWatcher:
    def __init__(
        self,
        client: SyncClient,
        cursor: Callable[[], str | None],
        *,
        wait: float = LONG_POLL_SECONDS,
        poll_interval: float = 5.0,
        min_gap: float = WATCH_MIN_GAP_SECONDS,
        wake_spread: float = WAKE_SPREAD_SECONDS,
        rng: random.Random | None = None,
    ) -> None:
        self._client = client
        self._cursor = cursor
        self._wait = wait
        self._poll_interval = poll_interval
        self._min_gap = min_gap
        self._wake_spread = wake_spread
        self._rng = rng or random.Random()
        self.wake: Callable[[], None] = lambda: None  # set by the sync loop
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._long_polling = False
        self._failing = False
        self._failing_since = 0.0
        self._next_ask = 0.0  # monotonic: not before (min_gap after the last wake)

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
        early = self._next_ask - time.monotonic()
        if early > 0:
            return early
        started = time.monotonic()
        wait = self._wait * self._rng.uniform(0.9, 1.1)
        try:
            body = self._client.pull_body(cursor, 1, wait=wait)
            page = self._client.parse_changes(body)
            answered_after = time.monotonic() - started
        except AuthRevoked:
            self._stop.set()  # the sync loop stops too, with the message for a manager
            return 0
        except SyncError as exc:
            if self._stop.is_set():
                return 0
            if not self._failing:
                log.info("change watch: %s", exc)
                self._failing, self._failing_since = True, time.monotonic()
            away = time.monotonic() - self._failing_since
            return probe_delay(self._poll_interval, away, self._rng)
        spread = self._wake_spread
        if self._failing:  # back online after an outage: the whole chain is coming back
            self._failing = False
            spread = max(spread, return_delay(time.monotonic() - self._failing_since, self._rng))
            if not page.changes:
                self._wake_later(spread)  # the loop pushes what queued meanwhile
        if page.changes:
            self._wake_later(spread)
            self._next_ask = time.monotonic() + self._min_gap * self._rng.uniform(0.8, 1.2)
            return self._until_cursor_moves(cursor)
        # An empty answer well before the wait was over: the server does not long-poll.
        self._long_polling = answered_after >= wait / 2
        return 0 if self._long_polling else self._poll_interval

    def _wake_later(self, spread: float) -> None:
        """Wake the loop after a random 0-``spread`` seconds (unless stopped meanwhile)."""
        if self._stop.wait(self._rng.uniform(0, spread)):
            return
        self.wake()

    def _until_cursor_moves(self, cursor: str) -> float:
        """After waking the loop, let its pull move the cursor before asking again."""
        deadline = time.monotonic() + max(self._poll_interval, 1.0)
        while self._cursor() == cursor and time.monotonic() < deadline:
            if self._stop.wait(0.05):
                return 0
        return 0
