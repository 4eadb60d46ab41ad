"""``pos-terminal init`` and ``status``: the replica and store settings of this till."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from shared.protocol import StoreSettings
from terminal.app import open_replica
from terminal.cli.base import Subcommand, arg
from terminal.config import TerminalSettings
from terminal.services import build_services
from terminal.services.replica import ReplicaService


def cmd_init(args: argparse.Namespace, settings: TerminalSettings) -> int:
    with open_replica(settings) as replica:
        build_services(replica, settings).store.save_settings(
            StoreSettings(
                store_code=args.store_code,
                name=args.store_name,
                currency=args.currency,
                timezone=args.timezone,
                phone_region=args.phone_region,
                language=args.language,
                closing_time=args.closing_time,
            )
        )
    print(f"replica ready: {settings.replica_path}")
    return 0


def cmd_status(args: argparse.Namespace, settings: TerminalSettings) -> int:
    if not settings.replica_path.exists():
        print(f"no replica at {settings.replica_path}: run `pos-terminal init`", file=sys.stderr)
        return 1
    with open_replica(settings) as replica:
        services = build_services(replica, settings)
        operations = ReplicaService(replica, settings)
        state = operations.sync_state()
        store = services.store.store_settings()
        outbox = services.activity.outbox()
        report = {
            "replica": str(settings.replica_path),
            "schema_revision": operations.schema_revision(),
            "paired": state.terminal_id is not None,
            **asdict(state),
            "store": store.model_dump() if store else None,
            "outbox": asdict(outbox),
        }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:>20}: {value}")
    return 0


COMMANDS = (
    Subcommand(
        "init",
        "create (or migrate) the replica and record the store settings",
        cmd_init,
        (
            arg("--store-code", default="S001"),
            arg("--store-name", default=""),
            arg("--currency", default="CNY"),
            arg("--timezone", default="Asia/Shanghai"),
            arg("--phone-region", default="CN"),
            arg("--language", default="zh_CN"),
            arg("--closing-time", default="23:00"),
        ),
    ),
    Subcommand(
        "status",
        "identity, sync state and outbox of this terminal",
        cmd_status,
        (arg("--json", action="store_true", help="machine-readable output"),),
    ),
)
