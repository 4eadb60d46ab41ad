"""``pos-terminal day-close``: close a business day (default: the current one)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from shared.domain.business_day import parse_day
from terminal.cli.base import Subcommand, arg
from terminal.cli.sync import sync_service
from terminal.config import TerminalSettings
from terminal.services.day_close import day_close_for


def cmd_day_close(args: argparse.Namespace, settings: TerminalSettings) -> int:
    day = parse_day(args.date) if args.date else None
    with sync_service(settings) as sync:
        service = day_close_for(sync)
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


COMMANDS = (
    Subcommand(
        "day-close",
        "send the day close of a business day to head office (default: today)",
        cmd_day_close,
        (
            arg("--date", default=None, help="business date YYYY-MM-DD (default: today)"),
            arg("--due", action="store_true", help="close every past day not closed yet"),
            arg("--json", action="store_true", help="machine-readable output"),
        ),
    ),
)
