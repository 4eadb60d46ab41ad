"""`sync-server`: run the server and administer it from head office.

Exit codes: 0 done; 2 bad input; 3 not found; 4 conflict (already exists, too old);
1 anything else. With --json the result (or the error) is printed as JSON on stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from shared.errors import DomainError
from sync_server import head_office_commands, operations
from sync_server.commands import (
    cmd_coupon_issue,
    cmd_day_close_list,
    cmd_expire_points,
    cmd_member_erase,
    cmd_overdraft_list,
    cmd_phones_backfill,
    cmd_program_publish,
    cmd_program_show,
    cmd_seed_demo,
    cmd_staff_active,
    cmd_staff_add,
    cmd_staff_move,
    cmd_store_add,
    cmd_store_list,
    cmd_terminal_add,
    cmd_terminal_list,
    cmd_terminal_revoke,
    open_database,
    output,
)
from sync_server.config import Settings
from sync_server.services.common import dumps

EXIT_BAD_INPUT, EXIT_NOT_FOUND, EXIT_CONFLICT = 2, 3, 4


# --- commands -------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    settings, database = open_database(args)
    database.dispose()
    workers = args.workers or settings.workers
    operations.prepare_multiprocess_metrics(settings, workers)
    os.environ["SYNC_DATABASE_URL"] = settings.resolved_database_url()
    os.environ["SYNC_DATA_DIR"] = str(settings.data_dir)
    with operations.serving_lock(settings):  # `restore` refuses while this is held
        _run_uvicorn(args, settings, workers)
    return 0


def _run_uvicorn(args: argparse.Namespace, settings: Settings, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "sync_server.app:app_from_environment",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=workers,
        proxy_headers=True,  # client address from X-Forwarded-For of trusted proxies
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level=args.log_level,
        access_log=False,
        # Longer than a terminal's 5 s sync interval: with uvicorn's default (5 s) a
        # till's kept-alive connection was closed just as it was reused, and the sync
        # failed with "server disconnected" (seen under load, bench/load.py).
        timeout_keep_alive=75,
        # With several workers the supervisor kills a worker that does not answer its
        # health ping in time. uvicorn's default (5 s) is shorter than a worker's start
        # (imports) on a busy 2-core machine: every worker was killed while starting,
        # again and again, and the server never came up (seen at load average ~40).
        timeout_worker_healthcheck=30,
    )


def cmd_migrate(args: argparse.Namespace) -> int:
    settings, _ = open_database(args)
    output(args, {"migrated": True}, f"Database is up to date: {settings.resolved_database_url()}")
    return 0


# --- parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=None, help="database URL (default: SQLite in the data dir)")
    common.add_argument("--data-dir", default=None)
    common.add_argument("--json", action="store_true", help="print JSON for scripts")
    common.add_argument("--config", default=None, help="TOML settings file (sets SYNC_CONFIG)")
    parser = argparse.ArgumentParser(prog="sync-server", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(
        name: str, func: Callable[[argparse.Namespace], int], holder: Any = sub, **kwargs: Any
    ) -> argparse.ArgumentParser:
        command: argparse.ArgumentParser = holder.add_parser(name, parents=[common], **kwargs)
        command.set_defaults(func=func)
        return command

    serve = add("serve", cmd_serve, help="run the HTTP server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument("--log-level", default="warning")
    add("migrate", cmd_migrate, help="create or upgrade the database schema")

    store = sub.add_parser("store", help="stores").add_subparsers(dest="action", required=True)
    store_add = add("add", cmd_store_add, store)
    store_add.add_argument("code")
    store_add.add_argument("--name", required=True)
    store_add.add_argument("--currency", default="CNY")
    store_add.add_argument("--timezone", default="Asia/Shanghai")
    store_add.add_argument("--phone-region", default="CN")
    store_add.add_argument("--language", default="zh_CN")
    store_add.add_argument("--closing-time", default="23:00")
    add("list", cmd_store_list, store)

    terminal = sub.add_parser("terminal", help="terminals").add_subparsers(
        dest="action", required=True
    )
    terminal_add = add("add", cmd_terminal_add, terminal)
    terminal_add.add_argument("--store", required=True)
    terminal_add.add_argument("--name", required=True)
    add("revoke", cmd_terminal_revoke, terminal).add_argument("terminal_id")
    add("list", cmd_terminal_list, terminal)

    program = sub.add_parser("program", help="loyalty program").add_subparsers(
        dest="action", required=True
    )
    add("show", cmd_program_show, program)
    add("publish", cmd_program_publish, program).add_argument("file")

    coupon = sub.add_parser("coupon", help="coupons").add_subparsers(dest="action", required=True)
    issue = add("issue", cmd_coupon_issue, coupon)
    issue.add_argument("--member", required=True, help="member code")
    issue.add_argument("--title", required=True)
    issue.add_argument("--value-cents", type=int, required=True)
    issue.add_argument("--currency", default="CNY")
    issue.add_argument("--expires-at")

    staff = sub.add_parser("staff", help="staff").add_subparsers(dest="action", required=True)
    staff_add = add("add", cmd_staff_add, staff)
    staff_add.add_argument("code")
    staff_add.add_argument("--name", required=True)
    staff_add.add_argument("--role", choices=("cashier", "manager"), required=True)
    staff_add.add_argument(
        "--pin", required=True, help="4-8 digits; managers: the program's manager_pin_length"
    )
    staff_add.add_argument("--store", help="only this store's terminals receive them")
    staff_move = add("move", cmd_staff_move, staff)
    staff_move.add_argument("code")
    staff_move.add_argument(
        "--store", help="the new store (its tills receive them, the old one's delete them)"
    )

    add("deactivate", cmd_staff_active, staff).add_argument("code")
    add("activate", cmd_staff_active, staff).add_argument("code")

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

    member = sub.add_parser("member", help="members").add_subparsers(dest="action", required=True)
    add("erase", cmd_member_erase, member).add_argument("member_code")

    seed = add("seed-demo", cmd_seed_demo, help="demo members, coupons and staff")
    seed.add_argument("--members", type=int, default=3000)
    seed.add_argument("--store", default="S001")
    phones = sub.add_parser("phones", help="member phone hashes").add_subparsers(
        dest="action", required=True
    )
    backfill = add("backfill", cmd_phones_backfill, phones)
    backfill.add_argument("--limit", type=int, help="at most this many members this run")
    expire = add("expire-points", cmd_expire_points, help="expire old points, purge tombstones")
    expire.add_argument("--now", help="pretend it is this time (RFC 3339)")
    head_office_commands.register(sub, add)
    operations.register(sub, add)
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


if __name__ == "__main__":
    sys.exit(main())
