"""The terminal's sync loop: push the outbox, apply acknowledgements, pull changes.

The engine talks to the replica through :class:`ReplicaSyncPort` (implemented in
``terminal.offline``) and to the server through :class:`SyncClient`. It never drops an
event: a transport failure leaves the batch pending, a refused batch is split until
the one event the server cannot read is found and kept visible as rejected, and a
revoked token stops the loop with a message for a manager.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from shared.protocol import PushResult, StaffAlertRequest
from terminal.offline.change_watch import ChangeWatcher
from terminal.offline.pages import PulledChange
from terminal.offline.sync_client import (
    AuthRevoked,
    BatchRefused,
    CursorExpired,
    SyncClient,
    SyncError,
    TransientSyncError,
)
from terminal.offline.timing import (
    OFFLINE_PROBE_SECONDS,
    WATCHED_INTERVAL_SECONDS,
    probe_delay,
    return_delay,
)

log = logging.getLogger(__name__)


class ReplicaSyncPort(Protocol):
    """What the sync engine needs from the replica; each call is one local transaction."""

    def pending_batch(self, limit: int) -> list[dict[str, Any]]: ...

    def pending_count(self) -> int: ...

    def apply_push_results(self, results: list[PushResult], watermark: int) -> None: ...

    def record_push_failure(self, event_ids: list[str], error: str) -> None: ...

    def reject_locally(self, event_id: str, code: str, detail: str) -> None: ...

    def pull_cursor(self) -> str | None: ...

    def apply_pulled(self, changes: Sequence[PulledChange], cursor: str) -> None: ...

    def begin_bulk_load(self) -> list[str]: ...

    def end_bulk_load(self) -> list[str]: ...

    def reset_replica_for_rebuild(self) -> None: ...

    def drop_unconfirmed_staff(self) -> int: ...

    def record_sync(self, *, online: bool, at: datetime, error: str | None) -> None: ...


@dataclass
class SyncReport:
    pushed: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    overdrafts: int = 0
    pulled: int = 0
    rebuilt: bool = False
    rejected_codes: list[str] = field(default_factory=list)
    alerts_sent: int = 0


class AlertPort(Protocol):
    """Staff alerts waiting for head office (``terminal.services.alert_store.AlertStore``)."""

    def unsent(self, limit: int = 50) -> list[StaffAlertRequest]: ...

    def mark_sent(self, alert_id: str) -> None: ...


# During a bulk load, pages are applied this many changes to a transaction (several
# pages, with the cursor of the last): each commit rewrites the pages of the member-id
# index it touched (random keys: most of that index, at a million members), so fewer,
# larger commits write far less. A cut-off load loses at most these, pulled again.
BULK_COMMIT_CHANGES = 50_000


class SyncEngine:
    def __init__(
        self,
        port: ReplicaSyncPort,
        client: SyncClient,
        *,
        batch_size: int = 500,
        pull_limit: int = 5000,
        alerts: AlertPort | None = None,
        bulk_commit_changes: int = BULK_COMMIT_CHANGES,
    ) -> None:
        self._port = port
        self._alerts = alerts
        self._client = client
        self._batch_size = batch_size
        self._pull_limit = pull_limit
        self._bulk_commit = bulk_commit_changes

    def run_once(self) -> SyncReport:
        """Push everything pending, then pull until the server has nothing more."""
        report = SyncReport()
        try:
            pulled = self._push_all(report)
            self._send_alerts(report)
            if not pulled:
                self._pull_all(report)
        except SyncError as exc:
            self._port.record_sync(online=False, at=_now(), error=str(exc))
            raise
        self._port.record_sync(online=True, at=_now(), error=None)
        return report

    def probe(self) -> None:
        """One cheap request (``GET /v1/health``, no replica work): raises ``SyncError``
        while the server cannot be reached or is unwell."""
        self._client.health(timeout=PROBE_TIMEOUT_SECONDS)

    def _send_alerts(self, report: SyncReport) -> None:
        """Staff alerts for head office; one the server refuses stays for the next cycle
        (an older server without ``/v1/alerts`` answers 404: the alerts wait for it)."""
        if self._alerts is None:
            return
        for alert in self._alerts.unsent():
            try:
                self._client.alert(alert)
            except (TransientSyncError, AuthRevoked):
                raise
            except SyncError as exc:
                log.warning("head office did not take staff alert %s: %s", alert.alert_id, exc)
                return
            self._alerts.mark_sent(str(alert.alert_id))
            report.alerts_sent += 1

    def _push_all(self, report: SyncReport) -> bool:
        """Push everything pending; True if the last push's answer also carried the
        whole pull (push and pull in one round trip), so no pull is needed."""
        while True:
            batch = self._port.pending_batch(self._batch_size)
            if not batch:
                return False
            before = self._port.pending_count()
            # The last batch asks for the pull page too (not for a replica still to be
            # loaded from scratch: that pull goes page by page, see _pull_all).
            cursor = self._port.pull_cursor() if len(batch) >= before else None
            # Head office reads the queue depth: with the pull in the same trip, what is
            # left once this batch is through (as the separate pull used to report).
            depth = before if cursor is None else before - len(batch)
            pulled = self._push(batch, report, queue_depth=depth, cursor=cursor)
            if pulled is not None:
                return pulled
            if self._port.pending_count() >= before:
                # Nothing settled (the server answered but changed nothing we could
                # apply): stop here rather than spin; the next cycle tries again.
                return False

    def _push(
        self,
        batch: list[dict[str, Any]],
        report: SyncReport,
        *,
        queue_depth: int,
        cursor: str | None = None,
    ) -> bool | None:
        """Push one batch (split if refused). With ``cursor``: whether the answer's pull
        page was the last one (None when the answer had none)."""
        ids = [str(event["event_id"]) for event in batch]
        try:
            response = self._client.push(
                batch, queue_depth=queue_depth, cursor=cursor, limit=self._pull_limit
            )
        except BatchRefused as exc:
            if len(batch) == 1:
                log.error("server refused event %s: %s", ids[0], exc)
                self._port.reject_locally(ids[0], exc.code, str(exc))
                report.rejected += 1
                report.rejected_codes.append(exc.code)
                return None
            middle = len(batch) // 2
            self._push(batch[:middle], report, queue_depth=queue_depth)
            self._push(batch[middle:], report, queue_depth=queue_depth)
            return None
        except SyncError as exc:
            self._port.record_push_failure(ids, str(exc))
            raise
        self._port.apply_push_results(response.results, response.terminal_watermark)
        report.pushed += len(batch)
        for result in response.results:
            if result.overdraft:
                report.overdrafts += 1
            if result.status == "accepted":
                report.accepted += 1
            elif result.status == "duplicate":
                report.duplicates += 1
            else:
                report.rejected += 1
                report.rejected_codes.append(result.code or "rejected")
        page = response.pull
        if page is None:
            return None
        self._port.apply_pulled(page.changes, page.cursor)
        report.pulled += len(page.changes)
        return not page.more

    def _pull_all(self, report: SyncReport) -> None:
        """Follow cursors until the server has nothing more.

        The next page is fetched in the background while this one is applied (the
        cursor comes with the response, so it need not wait for the replica): a
        bootstrap of a large store costs about the slower of the two, not their sum.
        The background thread only downloads; pages are parsed here, so that parsing
        (which holds the GIL) does not stall the replica's writes, which release it.
        """
        cursor = self._port.pull_cursor()
        from_start = cursor is None
        rebuilt = False
        bulk = False
        # Head office reads the queue depth a terminal reports: after the push, that is
        # what is still queued (0 when all went through), sent with the first page.
        depth = self._port.pending_count()
        fetch = self._client.pull_body
        try:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull") as prefetch:
                pending = prefetch.submit(fetch, cursor, self._pull_limit, queue_depth=depth)
                first = True
                held: list[PulledChange] = []  # pulled, not applied yet (bulk load)
                while True:
                    try:
                        page = self._client.parse_changes(pending.result())
                    except CursorExpired:
                        if rebuilt:
                            raise
                        log.warning("pull cursor expired: rebuilding the replica from the start")
                        self._port.reset_replica_for_rebuild()
                        rebuilt = report.rebuilt = True
                        cursor, first, from_start, held = None, True, True, []
                        pending = prefetch.submit(fetch, None, self._pull_limit)
                        continue
                    if page.more:
                        pending = prefetch.submit(fetch, page.cursor, self._pull_limit)
                    if first and cursor is None and page.more and not bulk:
                        # A whole chain to load (a new terminal, a rebuild): indexes are
                        # built once at the end instead of page by page.
                        bulk = bool(self._port.begin_bulk_load())
                    first = False
                    held += page.changes
                    if not bulk or not page.more or len(held) >= self._bulk_commit:
                        self._port.apply_pulled(held, page.cursor)
                        held = []
                    report.pulled += len(page.changes)
                    if not page.more:
                        if from_start:  # the whole log seen: what it did not send goes
                            self._port.drop_unconfirmed_staff()
                        return
        finally:
            if bulk:
                self._port.end_bulk_load()


class Backoff:
    """Exponential backoff with full jitter: a random wait in [0, min(cap, base*2^n)]."""

    def __init__(self, base: float = 1.0, cap: float = 300.0, rng: random.Random | None = None):
        self._base, self._cap = base, cap
        self._failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        ceiling = min(self._cap, self._base * 2**self._failures)
        self._failures = min(self._failures + 1, 32)
        return self._rng.uniform(0, ceiling)

    def reset(self) -> None:
        self._failures = 0


# --- offline probe and backoff: when the loop runs next ---------------------------------
# While the server cannot be reached at all the loop probes its health endpoint (no
# replica work, no exponential growth): every 1-3 s at first, so a queue starts to drain
# within seconds of a short outage; every 5-15 s in a long one (terminal.offline.timing),
# and after a long one it waits a random part of it (at most 30 s) before its first
# sync, so a chain's tills do not all push their backlogs at the same moment. Backoff
# with jitter is kept for errors the server itself returns (429, 5xx, an unwell health
# check): they mean "answering, but slow down".

PROBE_TIMEOUT_SECONDS = 3.0


def unreachable(error: BaseException) -> bool:
    """The server did not answer (refused, reset, timed out): no HTTP status came back."""
    return isinstance(error, TransientSyncError) and error.status is None


def next_delay(
    error: BaseException | None,
    backoff: Backoff,
    *,
    interval: float,
    probe_interval: float,
    away_for: float = 0.0,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next attempt after a cycle or probe that ended with ``error``
    (``away_for``: how long the server has not answered)."""
    if error is None:
        backoff.reset()
        return interval
    if unreachable(error):
        return probe_delay(probe_interval, away_for, rng or random.Random())
    return backoff.next_delay()


@dataclass(frozen=True)
class LoopState:
    online: bool
    stopped: bool
    message: str | None = None
    last_report: SyncReport | None = None


class SyncLoop:
    """Runs the engine in a background thread every ``interval`` seconds.

    ``trigger()`` wakes it at once (after a sale). While the server cannot be reached
    it probes every ``probe_interval`` seconds and syncs as soon as a probe answers;
    errors the server returns back off with jitter (see :func:`next_delay`); a revoked
    token stops the loop with a clear message. ``after_cycle`` runs after every
    successful cycle (the automatic day close). With a ``watcher``
    (``terminal.offline.change_watch``), the server's change notification wakes the loop,
    which then runs on its own only every ``watched_interval`` (300 s) while the watcher
    is healthy (an idle till then costs the server a long poll a minute and a pull
    every five).
    """

    def __init__(
        self,
        engine: SyncEngine,
        *,
        interval: float = 5.0,
        probe_interval: float = OFFLINE_PROBE_SECONDS,
        backoff: Backoff | None = None,
        on_state: Callable[[LoopState], None] | None = None,
        after_cycle: Callable[[], object] | None = None,
        watcher: ChangeWatcher | None = None,
        watched_interval: float = WATCHED_INTERVAL_SECONDS,
        rng: random.Random | None = None,
    ) -> None:
        self._engine = engine
        self._after_cycle = after_cycle
        self._poll_interval = interval
        self._watcher = watcher
        self._watched_interval = max(interval, watched_interval)
        if watcher is not None:
            watcher.wake = self.trigger
        self._probe_interval = probe_interval
        self._offline = False  # the server did not answer last time: probe before a cycle
        self._away_since = 0.0  # monotonic: when it stopped answering
        self._rng = rng or random.Random()
        self._backoff = backoff or Backoff()
        self._on_state = on_state or (lambda state: None)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def watcher(self) -> ChangeWatcher | None:
        return self._watcher

    @property
    def _interval(self) -> float:
        """Seconds between cycles: long while change notification is working."""
        watcher = self._watcher
        return self._watched_interval if watcher and watcher.healthy else self._poll_interval

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sync-loop", daemon=True)
            self._thread.start()
            if self._watcher is not None:
                self._watcher.start()

    def trigger(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._watcher is not None:
            self._watcher.stop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            delay = self._cycle()
            if delay is None:
                return
            self._wake.wait(delay)
            self._wake.clear()

    def _delay(self, error: BaseException | None) -> float:
        away = error is not None and unreachable(error)
        if away and not self._offline:
            self._away_since = time.monotonic()
        self._offline = away
        return next_delay(
            error,
            self._backoff,
            interval=self._interval,
            probe_interval=self._probe_interval,
            away_for=time.monotonic() - self._away_since,
            rng=self._rng,
        )

    def _cycle(self) -> float | None:
        if self._offline:
            try:
                self._engine.probe()
            except SyncError as exc:
                return self._delay(exc)  # still away: no replica work, probe again soon
            self._offline = False  # back: sync after a share of the outage (the herd)
            spread = return_delay(time.monotonic() - self._away_since, self._rng)
            if spread > 0.05:
                return spread
        try:
            report = self._engine.run_once()
        except AuthRevoked as exc:
            self._on_state(LoopState(online=False, stopped=True, message=str(exc)))
            return None
        except TransientSyncError as exc:
            self._on_state(LoopState(online=False, stopped=False, message=str(exc)))
            return self._delay(exc)
        except Exception as exc:  # keep the till running; the queue is safe on disk
            log.exception("sync cycle failed")
            self._on_state(LoopState(online=False, stopped=False, message=str(exc)))
            return self._delay(exc)
        self._on_state(LoopState(online=True, stopped=False, last_report=report))
        if self._after_cycle is not None:
            try:
                self._after_cycle()  # e.g. the automatic day close, while online
            except Exception:
                log.exception("after-sync task failed; it runs again after the next sync")
        return self._delay(None)


def _now() -> datetime:
    return datetime.now(UTC)
