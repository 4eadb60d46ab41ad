"""`sync-server dashboard rebuild`: the dashboard's roll-ups made again from the ledger
(after upgrading to s19d, or after a seed); the push path keeps them from then on."""

from __future__ import annotations

import argparse
from typing import Any

from sync_server.cli.common import AddCommand, open_database, output
from sync_server.services.dashboard_rebuild import DashboardRebuild


def cmd_dashboard_rebuild(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    report = DashboardRebuild(database).rebuild()
    output(
        args,
        {"members": report.members, "events": report.events, "daily_rows": report.daily_rows},
        f"Rolled up {report.events} events of {report.members} members "
        f"into {report.daily_rows} daily rows.",
    )
    return 0


def register(sub: Any, add: AddCommand) -> None:
    """dashboard rebuild."""
    group = sub.add_parser("dashboard", help="the console's dashboard").add_subparsers(
        dest="action", required=True
    )
    add("rebuild", cmd_dashboard_rebuild, group, help="roll the ledger up again")
