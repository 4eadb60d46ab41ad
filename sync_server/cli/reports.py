"""`sync-server day-close list`, `overdraft list` and `reconcile`: what head office
reviews. Each prints text, or JSON with --json."""

from __future__ import annotations

import argparse
from typing import Any

from shared.domain.business_day import parse_day
from sync_server.cli.common import AddCommand, open_database, output
from sync_server.services.reconcile import ReconcileService
from sync_server.services.reports import ReportService


def cmd_day_close_list(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    rows = ReportService(database).day_closes(args.status)
    output(
        args,
        rows,
        "\n".join(
            f"{r['business_date']}\t{r['terminal_id']}\t{r['status']}\t"
            f"{r['missing_seqs'] or ''}{r['details'].get('differences', '')}"
            for r in rows
        ),
    )
    return 0


def cmd_overdraft_list(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    rows = ReportService(database).overdrafts()
    output(
        args,
        rows,
        "\n".join(
            f"{r['occurred_at']}\t{r['member_code']}\t-{r['points']}\tbalance {r['balance_after']}"
            f"{'  (voided)' if r['voided'] else ''}"
            for r in rows
        ),
    )
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    service = ReconcileService(database)
    day = parse_day(args.date) if args.date else service.today()
    days = [d.to_dict() for d in service.day(day)]
    data: dict[str, Any] = {"business_date": day.isoformat(), "terminal_days": days}
    if args.exceptions or args.json:
        data["exceptions"] = service.exceptions()
    lines = [
        f"{d['business_date']}\t{d['store_code']}\t{d['terminal_name']}\t{d['status']}\t"
        f"{'; '.join(d['reasons'])}"
        for d in days
    ] or [f"{day.isoformat()}: no terminal-days"]
    if "exceptions" in data:
        ex = data["exceptions"]
        lines.append(
            f"exceptions: {len(ex['overdrafts'])} overdrafts, {len(ex['flagged'])} flagged "
            f"redemptions, {len(ex['rejected'])} rejected events, "
            f"{len(ex['duplicate_members'])} likely duplicate members"
        )
    output(args, data, "\n".join(lines))
    return 0


def register(sub: Any, add: AddCommand) -> None:
    """day-close list, overdraft list, reconcile."""
    day_close = sub.add_parser("day-close", help="terminal-days received").add_subparsers(
        dest="action", required=True
    )
    add("list", cmd_day_close_list, day_close).add_argument(
        "--status", choices=("matched", "pending", "mismatch")
    )
    overdraft = sub.add_parser("overdraft", help="overdrawn redemptions").add_subparsers(
        dest="action", required=True
    )
    add("list", cmd_overdraft_list, overdraft)
    reconcile = add("reconcile", cmd_reconcile, help="terminal-days of a business day")
    reconcile.add_argument("--date", help="business date YYYY-MM-DD (default: today)")
    reconcile.add_argument("--exceptions", action="store_true", help="list exceptions too")
