"""``pos-terminal day-close``: close a business day (default: the current one)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from shared.domain.business_day import parse_day
from terminal.cli import arg, subcommand
from terminal.config import TerminalSettings
from terminal.offline.db import Replica
from terminal.services.day_close import DayCloseService
from terminal.services.sync import SyncService
from terminal.sync_cli import terminal_version


@subcommand(
    "day-close",
    help="send the day close of a business day to head office (default: today)",
    args=(
        arg("--date", default=None, help="business date YYYY-MM-DD (default: today)"),
        arg("--due", action="store_true", help="close every past day not closed yet"),
        arg("--json", action="store_true", help="machine-readable output"),
    ),
)
def cmd_day_close(args: argparse.Namespace, settings: TerminalSettings) -> int:
    day = parse_day(args.date) if args.date else None
    with Replica(settings.replica_path, busy_timeout_ms=settings.busy_timeout_ms) as replica:
        sync = SyncService(replica, settings, version=terminal_version())
        service = DayCloseService(replica, settings, sync.day_close_client)
        results = service.close_due() if args.due else [service.close_day(None, day)]
    if args.json:
        print(json.dumps([asdict(r) for r in results], ensure_ascii=False))
    else:
        for r in results:
            missing = f" missing seqs {r.missing_seqs}" if r.missing_seqs else ""
            print(
                f"{r.business_date}: {r.status}{missing} ({r.events} events, "
                f"{r.points_earned} points earned, {r.points_redeemed} redeemed, "
                f"{r.amount_cents} cents)"
            )
    return 0
