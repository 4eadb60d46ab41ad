"""`sync-server`: run the server and administer it from head office.

Exit codes: 0 done; 2 bad input; 3 not found; 4 conflict (already exists, too old);
1 anything else. With --json the result (or the error) is printed as JSON on stdout.

Every command group is listed in ``GROUPS`` below: each module of this package has a
``register(subparsers, add)`` that adds its commands (nothing joins by being imported).
A new command goes into the module of its group, or a new module listed here.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from shared.errors import DomainError
from sync_server.cli import accounts, dashboard, head_office, members, partner, reports, serve
from sync_server.cli.common import AddCommand, Command
from sync_server.services.common import dumps

EXIT_BAD_INPUT, EXIT_NOT_FOUND, EXIT_CONFLICT = 2, 3, 4

Register = Callable[[Any, AddCommand], None]
GROUPS: tuple[Register, ...] = (
    serve.register,  # serve, migrate, backup, restore
    head_office.register,  # store, terminal, program, coupon, staff, seed-demo
    reports.register,  # day-close, overdraft, reconcile
    members.register,  # member, privacy, phones, expire-points
    accounts.register,  # admin
    dashboard.register,  # dashboard rebuild
    partner.register,  # partner-key, webhook
)


def build_parser(groups: Sequence[Register] = GROUPS) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=None, help="database URL (default: SQLite in the data dir)")
    common.add_argument("--data-dir", default=None)
    common.add_argument("--json", action="store_true", help="print JSON for scripts")
    common.add_argument("--config", default=None, help="TOML settings file (sets SYNC_CONFIG)")
    parser = argparse.ArgumentParser(prog="sync-server", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Command, holder: Any = sub, **kwargs: Any) -> argparse.ArgumentParser:
        command: argparse.ArgumentParser = holder.add_parser(name, parents=[common], **kwargs)
        command.set_defaults(func=func)
        return command

    for register in groups:
        register(sub, add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "config", None):  # the workers of `serve` read it from there too
        if not Path(args.config).is_file():
            print(f"sync-server: error: no configuration file {args.config}", file=sys.stderr)
            return EXIT_BAD_INPUT
        os.environ["SYNC_CONFIG"] = str(Path(args.config).resolve())
    try:
        result: int = args.func(args)
        return result
    except DomainError as error:
        if getattr(args, "json", False):
            print(dumps({"error": error.code, "message": error.message}))
        print(f"sync-server: error: {error.message} ({error.code})", file=sys.stderr)
        return {404: EXIT_NOT_FOUND, 409: EXIT_CONFLICT}.get(error.status, EXIT_BAD_INPUT)
    except ValueError as error:
        print(f"sync-server: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
