"""`sync-server`: run the server and administer it from head office.

Exit codes: 0 done; 2 bad input; 3 not found; 4 conflict (already exists, too old);
1 anything else. With --json the result (or the error) is printed as JSON on stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shared.domain.program import LoyaltyProgram
from shared.errors import DomainError
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from sync_server.services.admin import AdminService
from sync_server.services.common import dumps
from sync_server.services.expiry import MaintenanceService
from sync_server.services.seed import SeedService
from sync_server.services.terminals import TerminalService

EXIT_BAD_INPUT, EXIT_NOT_FOUND, EXIT_CONFLICT = 2, 3, 4


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if args.db:
        overrides["database_url"] = args.db
    if args.data_dir:
        overrides["data_dir"] = Path(args.data_dir)
    return Settings(**overrides)


def _open(args: argparse.Namespace) -> tuple[Settings, Database]:
    settings = _settings(args)
    database = Database(settings.resolved_database_url(), pool_size=2)
    migrate(database)
    return settings, database


def _out(args: argparse.Namespace, data: Any, text: str) -> None:
    print(dumps(data) if args.json else text)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# --- commands -------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings, database = _open(args)
    database.dispose()
    os.environ["SYNC_DATABASE_URL"] = settings.resolved_database_url()
    os.environ["SYNC_DATA_DIR"] = str(settings.data_dir)
    uvicorn.run(
        "sync_server.app:app_from_environment",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        log_level=args.log_level,
        access_log=False,
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings, _ = _open(args)
    _out(args, {"migrated": True}, f"Database is up to date: {settings.resolved_database_url()}")
    return 0


def cmd_store_add(args: argparse.Namespace) -> int:
    _, database = _open(args)
    store = AdminService(database).add_store(
        args.code,
        args.name,
        currency=args.currency,
        timezone=args.timezone,
        phone_region=args.phone_region,
        language=args.language,
        closing_time=args.closing_time,
    )
    data = {
        "store_code": store.code,
        "name": store.name,
        "currency": store.currency,
        "timezone": store.timezone,
        "phone_region": store.phone_region,
        "language": store.language,
        "closing_time": store.closing_time,
    }
    _out(args, data, f"Store {store.code} ({store.name}) added.")
    return 0


def cmd_store_list(args: argparse.Namespace) -> int:
    _, database = _open(args)
    stores = AdminService(database).stores()
    data = [{"store_code": s.code, "name": s.name, "currency": s.currency} for s in stores]
    _out(args, data, "\n".join(f"{s.code}\t{s.name}\t{s.currency}" for s in stores))
    return 0


def cmd_terminal_add(args: argparse.Namespace) -> int:
    settings, database = _open(args)
    made = TerminalService(database, settings).add(args.store, args.name)
    data = {
        "terminal_id": made.terminal_id,
        "store_code": made.store_code,
        "pairing_code": made.pairing_code,
        "name": made.name,
        "pairing_expires_at": _iso(made.pairing_expires_at),
        "member_code_prefix": made.member_code_prefix,
    }
    _out(
        args,
        data,
        f"Terminal {made.terminal_id} ({made.name}) in {made.store_code}.\n"
        f"Pairing code (single use, until {_iso(made.pairing_expires_at)}): "
        f"{made.pairing_code}",
    )
    return 0


def cmd_terminal_revoke(args: argparse.Namespace) -> int:
    settings, database = _open(args)
    TerminalService(database, settings).revoke(args.terminal_id)
    _out(
        args,
        {"terminal_id": args.terminal_id, "revoked": True},
        f"Terminal {args.terminal_id} revoked: its token is refused from now on.",
    )
    return 0


def cmd_terminal_list(args: argparse.Namespace) -> int:
    settings, database = _open(args)
    rows = [
        {
            "terminal_id": t.id,
            "store_code": t.store_code,
            "name": t.name,
            "paired": t.paired_at is not None,
            "revoked": t.revoked_at is not None,
            "last_seen_at": _iso(t.last_seen_at),
            "reported_version": t.reported_version,
            "queue_depth": t.queue_depth,
            "watermark": t.watermark,
        }
        for t in TerminalService(database, settings).list()
    ]
    _out(
        args,
        rows,
        "\n".join(
            f"{r['terminal_id']}\t{r['store_code']}\t{r['name']}\tlast seen {r['last_seen_at']}"
            for r in rows
        ),
    )
    return 0


def cmd_program_show(args: argparse.Namespace) -> int:
    _, database = _open(args)
    print(AdminService(database).current_program().model_dump_json(indent=2))
    return 0


def cmd_program_publish(args: argparse.Namespace) -> int:
    _, database = _open(args)
    try:
        program = LoyaltyProgram.model_validate_json(Path(args.file).read_text(encoding="utf-8"))
    except OSError as error:
        raise DomainError(
            f"Cannot read {args.file}: {error.strerror}", code="unreadable_file"
        ) from None
    except ValidationError as error:
        raise DomainError(
            f"{args.file} is not a loyalty program: {error}", code="invalid_program"
        ) from None
    AdminService(database).publish_program(program)
    _out(
        args,
        {"rule_version": program.rule_version, "published": True},
        f"Program rule_version {program.rule_version} published.",
    )
    return 0


def cmd_coupon_issue(args: argparse.Namespace) -> int:
    _, database = _open(args)
    expires = datetime.fromisoformat(args.expires_at) if args.expires_at else None
    coupon = AdminService(database).issue_coupon(
        args.member, args.title, args.value_cents, args.currency, expires
    )
    _out(args, coupon, f"Coupon {coupon['coupon_id']} issued to {args.member}.")
    return 0


def cmd_staff_add(args: argparse.Namespace) -> int:
    _, database = _open(args)
    staff = AdminService(database).add_staff(args.code, args.name, args.role, args.pin, args.store)
    _out(
        args,
        {k: v for k, v in staff.items() if k != "pin_hash"},
        f"Staff {args.code} ({args.role}) added.",
    )
    return 0


def cmd_member_erase(args: argparse.Namespace) -> int:
    _, database = _open(args)
    member_id = AdminService(database).erase_member(args.member_code)
    _out(args, {"member_id": member_id, "erased": True}, f"Member {args.member_code} erased.")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    _, database = _open(args)
    admin = AdminService(database)
    if args.store not in {s.code for s in admin.stores()}:
        admin.add_store(args.store, "Downtown 市中心店")
    report = SeedService(database).seed(args.members, store_code=args.store)
    data = {"members": report.members, "coupons": report.coupons, "staff": report.staff}
    lines = [
        f"Seeded {report.members} members and {report.coupons} coupons in {args.store}.",
        "Demo staff (code, role, PIN):",
    ]
    lines += [
        f"  {s['staff_code']}\t{s['role']}\tPIN {s['pin']}\t{s['name']}" for s in report.staff
    ]
    _out(args, data, "\n".join(lines))
    return 0


def cmd_expire_points(args: argparse.Namespace) -> int:
    settings, database = _open(args)
    now = datetime.fromisoformat(args.now) if args.now else None
    if now is not None and now.tzinfo is None:
        raise DomainError(
            "--now needs a UTC offset, e.g. 2026-01-01T00:00:00+00:00", code="invalid_time"
        )
    maintenance = MaintenanceService(
        database, tombstone_retention_days=settings.tombstone_retention_days
    )
    report = maintenance.expire_points(now)
    purged = maintenance.purge_tombstones(now)
    _out(
        args,
        {"members": report.members, "points": report.points, "tombstones_purged": purged},
        f"Expired {report.points} points of {report.members} members; "
        f"purged {purged} old tombstones.",
    )
    return 0


# --- parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=None, help="database URL (default: SQLite in the data dir)")
    common.add_argument("--data-dir", default=None)
    common.add_argument("--json", action="store_true", help="print JSON for scripts")
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
    staff_add.add_argument("--pin", required=True)
    staff_add.add_argument("--store")

    member = sub.add_parser("member", help="members").add_subparsers(dest="action", required=True)
    add("erase", cmd_member_erase, member).add_argument("member_code")

    seed = add("seed-demo", cmd_seed_demo, help="demo members, coupons and staff")
    seed.add_argument("--members", type=int, default=3000)
    seed.add_argument("--store", default="S001")
    expire = add("expire-points", cmd_expire_points, help="expire old points, purge tombstones")
    expire.add_argument("--now", help="pretend it is this time (RFC 3339)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
