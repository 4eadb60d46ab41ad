"""``pos-terminal``: console commands for the terminal's local replica.

Subcommands live in a small registry. To add some (for example ``pair`` and ``sync``),
write a module that decorates its handlers with ``@subcommand(...)`` and list it in
``COMMAND_MODULES``; ``main`` imports those modules before parsing. Every handler gets
the parsed arguments and the one settings object, and returns the exit status.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shared.errors import DomainError
from shared.protocol import StoreSettings
from terminal.config import TerminalSettings
from terminal.offline.db import Replica
from terminal.offline.migrate import current_revision
from terminal.offline.sync import SyncStore
from terminal.services import build_services

Handler = Callable[[argparse.Namespace, TerminalSettings], int]


@dataclass(frozen=True)
class Arg:
    flags: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


def arg(*flags: str, **options: Any) -> Arg:
    return Arg(flags, options)


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    handler: Handler
    args: tuple[Arg, ...] = ()


REGISTRY: dict[str, Subcommand] = {}
# Modules whose @subcommand handlers join this CLI (imported lazily by main()).
COMMAND_MODULES: tuple[str, ...] = (
    "terminal.sync_cli",
    "terminal.day_close_cli",
    "terminal.app",
    "terminal.ops_cli",
)


def subcommand(name: str, *, help: str, args: Sequence[Arg] = ()) -> Callable[[Handler], Handler]:
    """Register ``handler`` as ``pos-terminal NAME``."""

    def register(handler: Handler) -> Handler:
        REGISTRY[name] = Subcommand(name, help, handler, tuple(args))
        return handler

    return register


def build_parser(registry: dict[str, Subcommand]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pos-terminal", description="Console commands of the POS member terminal."
    )
    parser.add_argument("--data-dir", type=Path, help="where the replica lives")
    parser.add_argument(
        "--config", type=Path, help="TOML settings file (default: $POS_TERMINAL_CONFIG)"
    )
    from terminal.sync_cli import terminal_version

    parser.add_argument("--version", action="version", version=f"pos-terminal {terminal_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for entry in sorted(registry.values(), key=lambda e: e.name):
        sub = commands.add_parser(entry.name, help=entry.help, description=entry.help)
        for option in entry.args:
            sub.add_argument(*option.flags, **option.options)
        sub.set_defaults(handler=entry.handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for module in COMMAND_MODULES:
        importlib.import_module(module)
    args = build_parser(REGISTRY).parse_args(argv)
    try:
        settings = TerminalSettings.load(args.config)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error [bad_config]: {exc}", file=sys.stderr)
        return 2
    if args.data_dir is not None:
        settings = settings.model_copy(update={"data_dir": args.data_dir})
    try:
        handler: Handler = args.handler
        return handler(args, settings)
    except DomainError as exc:
        print(f"error [{exc.code}]: {exc.message}", file=sys.stderr)
        return 2


# --- local commands -----------------------------------------------------------------


@subcommand(
    "init",
    help="create (or migrate) the replica and record the store settings",
    args=(
        arg("--store-code", default="S001"),
        arg("--store-name", default=""),
        arg("--currency", default="CNY"),
        arg("--timezone", default="Asia/Shanghai"),
        arg("--phone-region", default="CN"),
        arg("--language", default="zh_CN"),
        arg("--closing-time", default="23:00"),
    ),
)
def cmd_init(args: argparse.Namespace, settings: TerminalSettings) -> int:
    with Replica(settings.replica_path, busy_timeout_ms=settings.busy_timeout_ms) as replica:
        SyncStore(replica).save_store_settings(
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


@subcommand(
    "status",
    help="identity, sync state and outbox of this terminal",
    args=(arg("--json", action="store_true", help="machine-readable output"),),
)
def cmd_status(args: argparse.Namespace, settings: TerminalSettings) -> int:
    if not settings.replica_path.exists():
        print(f"no replica at {settings.replica_path}: run `pos-terminal init`", file=sys.stderr)
        return 1
    with Replica(settings.replica_path, busy_timeout_ms=settings.busy_timeout_ms) as replica:
        sync = SyncStore(replica)
        state = sync.state()
        store = sync.store_settings()
        outbox = build_services(replica, settings).activity.outbox()
        report = {
            "replica": str(settings.replica_path),
            "schema_revision": current_revision(replica.engine),
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


if __name__ == "__main__":  # pragma: no cover
    # Run through the imported module so that command modules register in one registry.
    from terminal.cli import main as registered_main

    raise SystemExit(registered_main())
