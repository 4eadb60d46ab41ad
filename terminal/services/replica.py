"""Operating the replica itself: its schema revision, copies of it, and a rebuild from
head office (``pos-terminal status``, ``backup`` and ``rebuild-replica`` call these).

A rebuild forgets what was pulled (members, coupons, the pull cursor) and pulls it
again; this terminal's own events are never touched: queued ones are pushed first,
rejected ones stay visible to a manager, members enrolled here and still queued stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from terminal.offline.backup import backup_dir, backup_file, prune
from terminal.offline.migrate import current_revision
from terminal.services.base import Service
from terminal.services.sync import SyncFailed, SyncReport, SyncService, SyncStatus
from terminal.services.sync_store import SyncState, SyncStore


@dataclass(frozen=True, slots=True)
class Rebuilt:
    backup: Path
    before: SyncStatus
    report: SyncReport
    after: SyncStatus


class ReplicaService(Service):
    def schema_revision(self) -> str | None:
        """The Alembic revision of the replica's schema (None: not created)."""
        return current_revision(self.replica.engine)

    def sync_state(self) -> SyncState:
        """Identity, cursor, watermark and sync outcome as the replica records them."""
        return SyncStore(self.replica, clock=self.clock).state()

    def backup(self, target: Path | None = None, *, label: str = "manual") -> Path:
        """A consistent copy (online) at ``target``, or in ``<data_dir>/backups`` where
        only the newest ``replica_backups_keep`` copies stay."""
        if target is not None:
            return backup_file(self.replica.path, target)
        stamp = self.clock().astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        directory = backup_dir(self.replica.path)
        copy = backup_file(self.replica.path, directory / f"replica-{label}-{stamp}.sqlite3")
        prune(directory, self.settings.replica_backups_keep)
        return copy

    def rebuild(self, sync: SyncService) -> Rebuilt:
        """Copy the replica, forget what was pulled, then push and pull everything.

        ``terminal_not_paired`` (``SyncFailed``) before anything is touched when there is
        no head office to rebuild from."""
        before = sync.status()
        if not before.paired:
            raise SyncFailed(
                "This terminal is not paired: there is nothing to rebuild from.",
                code="terminal_not_paired",
            )
        copy = self.backup(label="rebuild")
        sync.store.reset_replica_for_rebuild()
        report = sync.sync_once()
        return Rebuilt(backup=copy, before=before, report=report, after=sync.status())
