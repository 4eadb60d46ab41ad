"""The replica's half of sync: what to push, what the server said, what was pulled.

The sync engine (``terminal.offline.sync_engine``) only moves JSON: it asks
``pending_batch`` for events, posts them, hands the results to ``apply_push_results``;
it pulls ``/v1/changes`` pages and hands them to ``apply_pulled`` with the new cursor.
``SyncStore`` is the engine's ``ReplicaSyncPort``: every method is one transaction, and
the queries are the repositories' (``terminal.offline.repositories``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.protocol import Change, MemberSummary, PushResult, StoreSettings
from terminal.offline.clock import Clock, to_text, utc_now
from terminal.offline.db import Replica
from terminal.offline.pages import PulledChange, pulled_changes
from terminal.offline.pull import apply_changes, defer_indexes
from terminal.offline.push import apply_result, reject_event
from terminal.offline.repositories import EventRepository, TerminalStateRepository
from terminal.offline.repositories.history import HistoryRepository
from terminal.offline.repositories.sync import SyncRepository
from terminal.services.store import read_store_settings, save_store_settings


@dataclass(frozen=True, slots=True)
class SyncState:
    terminal_id: str | None
    store_code: str | None
    member_code_prefix: str | None
    pull_cursor: str | None
    last_sync_at: str | None
    watermark: int
    online: bool
    next_seq: int
    last_sync_error: str | None


class SyncStore:
    def __init__(self, replica: Replica, *, clock: Clock = utc_now) -> None:
        self.replica = replica
        self.clock = clock

    # --- identity and state -------------------------------------------------------

    def state(self) -> SyncState:
        with self.replica.write() as session:
            row = TerminalStateRepository(session).get()
            return SyncState(
                terminal_id=row.terminal_id,
                store_code=row.store_code,
                member_code_prefix=row.member_code_prefix,
                pull_cursor=row.pull_cursor,
                last_sync_at=row.last_sync_at,
                watermark=row.watermark,
                online=row.online,
                next_seq=row.next_seq,
                last_sync_error=row.last_sync_error,
            )

    def set_identity(self, *, terminal_id: str, store_code: str, member_code_prefix: str) -> None:
        """Record what pairing returned (the secrets go to the keyring, not here)."""
        with self.replica.write() as session:
            row = TerminalStateRepository(session).get()
            row.terminal_id = terminal_id
            row.store_code = store_code
            row.member_code_prefix = member_code_prefix

    def server_url(self) -> str | None:
        with self.replica.read() as session:
            return TerminalStateRepository(session).get().server_url

    def set_server_url(self, url: str) -> None:
        with self.replica.write() as session:
            TerminalStateRepository(session).get().server_url = url

    def outbox_counts(self) -> dict[str, int]:
        with self.replica.read() as session:
            return EventRepository(session).outbox_counts()

    def save_store_settings(self, settings: StoreSettings) -> None:
        """Store settings from pairing, checked first (``check_store_settings``)."""
        with self.replica.write() as session:
            save_store_settings(session, settings)

    def store_settings(self) -> StoreSettings | None:
        with self.replica.read() as session:
            return read_store_settings(session)

    def set_cursor(self, cursor: str | None) -> None:
        with self.replica.write() as session:
            TerminalStateRepository(session).get().pull_cursor = cursor

    def set_watermark(self, watermark: int) -> None:
        with self.replica.write() as session:
            row = TerminalStateRepository(session).get()
            row.watermark = max(row.watermark, watermark)

    def set_online(self, online: bool) -> None:
        with self.replica.write() as session:
            TerminalStateRepository(session).get().online = online

    def mark_synced(self, at: datetime | None = None) -> None:
        self.record_sync(online=True, at=at or self.clock(), error=None)

    def record_sync(self, *, online: bool, at: datetime, error: str | None) -> None:
        """The outcome of one sync cycle: online or not, when, and what went wrong."""
        with self.replica.write() as session:
            row = TerminalStateRepository(session).get()
            row.online = online
            row.last_sync_error = error[:2000] if error else None
            if online:
                row.last_sync_at = to_text(at)

    # --- push ---------------------------------------------------------------------

    def pending_batch(self, limit: int = 500) -> list[dict[str, Any]]:
        """Oldest pending events first, as protocol ``Event`` dicts."""
        with self.replica.read() as session:
            rows = EventRepository(session).pending_outbox(limit)
            return [json.loads(row.payload) for row in rows]

    def pending_count(self) -> int:
        with self.replica.read() as session:
            return EventRepository(session).outbox_counts()["pending"]

    def apply_push_results(
        self, results: Iterable[PushResult | Mapping[str, Any]], watermark: int | None = None
    ) -> None:
        """Settle pushed events: accepted/duplicate -> acknowledged, rejected -> rejected.

        Results for unknown or already settled events are ignored (a repeated response).
        """
        parsed = [r if isinstance(r, PushResult) else PushResult.model_validate(r) for r in results]
        with self.replica.write() as session:
            now = to_text(self.clock())
            for result in parsed:
                apply_result(session, result, now)
            if watermark is not None:
                state = TerminalStateRepository(session).get()
                state.watermark = max(state.watermark, watermark)

    def reject_locally(self, event_id: str, code: str, detail: str) -> None:
        """The server refused to read this one event at all (e.g. 422): keep it, rejected."""
        with self.replica.write() as session:
            reject_event(session, str(event_id), code, detail, to_text(self.clock()))

    def record_push_failure(self, event_ids: Iterable[str], error: str) -> None:
        """A transport failure (timeout, 5xx...): count the attempt, keep the events pending."""
        ids = [str(event_id) for event_id in event_ids]
        if not ids:
            return
        with self.replica.write() as session:
            SyncRepository(session).count_push_failure(ids, error)

    # --- pull ---------------------------------------------------------------------

    def pull_cursor(self) -> str | None:
        with self.replica.read() as session:
            return TerminalStateRepository(session).get().pull_cursor

    def save_member_summary(self, summary: MemberSummary) -> None:
        """Head office's listing of a member's history and expiring points (bounded)."""
        with self.replica.write(durable=False) as session:
            HistoryRepository(session).save(summary)

    def apply_changes(
        self, changes: Iterable[Change | Mapping[str, Any]], cursor: str | None = None
    ) -> None:
        """Validate changes given as models or mappings, then ``apply_pulled``."""
        self.apply_pulled(pulled_changes(changes), cursor)

    def apply_pulled(self, changes: Sequence[PulledChange], cursor: str | None = None) -> None:
        """Apply pulled changes (newer versions only) and, in the same transaction, the cursor."""
        # Not durable: the page and its cursor commit together, so a power cut can only
        # lose whole pages, which the next pull fetches again.
        with self.replica.write(durable=False) as session:
            apply_changes(session, changes)
            if cursor is not None:
                TerminalStateRepository(session).get().pull_cursor = cursor

    def begin_bulk_load(self) -> list[str]:
        """Before pulling a whole chain's members into a replica: drop the secondary
        indexes of members and coupons (built once at the end, ``end_bulk_load``)."""
        with self.replica.write() as session:
            return defer_indexes(session)

    def end_bulk_load(self) -> list[str]:
        return self.replica.restore_deferred_indexes()

    def drop_unconfirmed_staff(self) -> int:
        """After a pull from the very start: staff the server did not send (version 0
        after a rebuild or migration t11c) are not this store's any more; they go, so
        that their PIN hashes do not stay on this till. Returns how many went."""
        with self.replica.write() as session:
            return SyncRepository(session).drop_unconfirmed_staff()

    def reset_replica_for_rebuild(self) -> None:
        """Forget pulled members and coupons and the cursor; keep every own event.

        Staff and program versions stay (so people can still sign in) but their versions
        go to 0, so that the rebuild re-applies whatever the server holds. Members this
        terminal enrolled whose enrolment is still pending stay too.
        """
        with self.replica.write() as session:
            SyncRepository(session).forget_pulled()
            TerminalStateRepository(session).get().pull_cursor = None
