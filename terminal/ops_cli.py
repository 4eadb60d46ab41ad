"""``pos-terminal rebuild-replica`` and ``backup``: operating a till's replica.

``rebuild-replica`` forgets what was pulled from head office (members, coupons, the pull
cursor) and pulls everything again. This terminal's own events are never touched: queued
events stay queued and are pushed first, rejected ones stay visible to a manager, and
members enrolled here whose enrolment is still queued are kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from terminal.cli import arg, subcommand
from terminal.config import TerminalSettings
from terminal.offline.backup import backup_dir, backup_file, prune
from terminal.offline.db import Replica
from terminal.services.sync import SyncService
from terminal.sync_cli import terminal_version


@subcommand(
    "rebuild-replica",
    help="pull the whole replica again from the server, keeping every queued event",
    args=(
        arg("--yes", action="store_true", help="do not ask for confirmation"),
        arg("--json", action="store_true", help="machine-readable output"),
    ),
)
def cmd_rebuild_replica(args: argparse.Namespace, settings: TerminalSettings) -> int:
    if not args.yes and input("Rebuild the replica from the server? [y/N] ").lower() != "y":
        print("cancelled")
        return 1
    with Replica(
        settings.replica_path,
        busy_timeout_ms=settings.busy_timeout_ms,
        backups_keep=settings.replica_backups_keep,
    ) as replica:
        service = SyncService(replica, settings, version=terminal_version())
        before = service.status()
        if not before.paired:
            print("this terminal is not paired: nothing to rebuild from", file=sys.stderr)
            return 1
        copy = _backup(replica.path, settings.replica_backups_keep, "rebuild")
        service.store.reset_replica_for_rebuild()
        report = service.sync_once()
        after = service.status()
    result = {
        "backup": str(copy),
        "kept_pending_events": before.pending,
        "kept_rejected_events": before.rejected,
        "pushed": report.pushed,
        "pulled": report.pulled,
        "pending_after": after.pending,
        "rejected_after": after.rejected,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"replica rebuilt: kept {before.pending} queued and {before.rejected} rejected "
            f"events; pushed {report.pushed}, pulled {report.pulled} changes; "
            f"{after.pending} still queued. Copy before the rebuild: {copy}"
        )
    return 0


@subcommand(
    "backup",
    help="copy the replica (online, consistent) to FILE or to <data_dir>/backups",
    args=(arg("file", nargs="?", type=Path, default=None, help="target file"),),
)
def cmd_backup(args: argparse.Namespace, settings: TerminalSettings) -> int:
    with Replica(settings.replica_path, busy_timeout_ms=settings.busy_timeout_ms) as replica:
        if args.file is not None:
            target = backup_file(replica.path, args.file)
        else:
            target = _backup(replica.path, settings.replica_backups_keep, "manual")
    print(f"replica copied to {target}")
    return 0


def _backup(replica_path: Path, keep: int, label: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    directory = backup_dir(replica_path)
    target = backup_file(replica_path, directory / f"replica-{label}-{stamp}.sqlite3")
    prune(directory, keep)
    return target
