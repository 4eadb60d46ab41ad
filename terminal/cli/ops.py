"""``pos-terminal rebuild-replica`` and ``backup``: operating a till's replica.

``rebuild-replica`` forgets what was pulled from head office (members, coupons, the pull
cursor) and pulls everything again (``ReplicaService.rebuild``). This terminal's own
events are never touched: queued events stay queued and are pushed first, rejected ones
stay visible to a manager, and members enrolled here whose enrolment is still queued are
kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from terminal.app import open_replica
from terminal.cli.base import Subcommand, arg
from terminal.cli.sync import sync_service
from terminal.config import TerminalSettings
from terminal.services.replica import ReplicaService


def cmd_rebuild_replica(args: argparse.Namespace, settings: TerminalSettings) -> int:
    if not args.yes and input("Rebuild the replica from the server? [y/N] ").lower() != "y":
        print("cancelled")
        return 1
    with sync_service(settings) as service:
        if not service.status().paired:
            print("this terminal is not paired: nothing to rebuild from", file=sys.stderr)
            return 1
        rebuilt = ReplicaService(service.replica, settings).rebuild(service)
    before, report, after = rebuilt.before, rebuilt.report, rebuilt.after
    result = {
        "backup": str(rebuilt.backup),
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
            f"{after.pending} still queued. Copy before the rebuild: {rebuilt.backup}"
        )
    return 0


def cmd_backup(args: argparse.Namespace, settings: TerminalSettings) -> int:
    with open_replica(settings) as replica:
        target = ReplicaService(replica, settings).backup(args.file)
    print(f"replica copied to {target}")
    return 0


COMMANDS = (
    Subcommand(
        "rebuild-replica",
        "pull the whole replica again from the server, keeping every queued event",
        cmd_rebuild_replica,
        (
            arg("--yes", action="store_true", help="do not ask for confirmation"),
            arg("--json", action="store_true", help="machine-readable output"),
        ),
    ),
    Subcommand(
        "backup",
        "copy the replica (online, consistent) to FILE or to <data_dir>/backups",
        cmd_backup,
        (arg("file", nargs="?", type=Path, default=None, help="target file"),),
    ),
)
