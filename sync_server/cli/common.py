"""What every `sync-server` command shares: settings from the common options, the
database (migrated on opening), and output as text or, with --json, as JSON."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from sync_server.services.common import dumps

Command = Callable[[argparse.Namespace], int]
# ``add(name, handler, holder=subparsers, **parser_options)``: one command (see build_parser).
AddCommand = Callable[..., argparse.ArgumentParser]


def settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if args.db:
        overrides["database_url"] = args.db
    if args.data_dir:
        overrides["data_dir"] = Path(args.data_dir)
    return Settings(**overrides)


def open_database(args: argparse.Namespace) -> tuple[Settings, Database]:
    settings = settings_from(args)
    database = Database(settings.resolved_database_url(), pool_size=2)
    migrate(database)
    return settings, database


def output(args: argparse.Namespace, data: Any, text: str) -> None:
    print(dumps(data) if args.json else text)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
