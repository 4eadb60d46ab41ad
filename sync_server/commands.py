"""Head-office commands of `sync-server` (stores, terminals, programs, coupons, staff,
members, reports, expiry). Each prints text, or JSON with --json."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shared.domain.program import LoyaltyProgram
from shared.errors import DomainError
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from sync_server.services.accounts import CLI_PRINCIPAL
from sync_server.services.admin import AdminService
from sync_server.services.common import dumps
from sync_server.services.maintenance import MaintenanceService
from sync_server.services.member_admin import MemberAdminService
from sync_server.services.phone_backfill import PhoneHashBackfill
from sync_server.services.reports import ReportService
from sync_server.services.seed import SeedService
from sync_server.services.staff import StaffAdminService
from sync_server.services.terminals import TerminalService


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


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def cmd_store_add(args: argparse.Namespace) -> int:
    _, database = open_database(args)
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
    output(args, data, f"Store {store.code} ({store.name}) added.")
    return 0


def cmd_store_list(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    stores = AdminService(database).stores()
    data = [{"store_code": s.code, "name": s.name, "currency": s.currency} for s in stores]
    output(args, data, "\n".join(f"{s.code}\t{s.name}\t{s.currency}" for s in stores))
    return 0


def cmd_terminal_add(args: argparse.Namespace) -> int:
    settings, database = open_database(args)
    made = TerminalService(database, settings).add(args.store, args.name)
    data = {
        "terminal_id": made.terminal_id,
        "store_code": made.store_code,
        "pairing_code": made.pairing_code,
        "name": made.name,
        "pairing_expires_at": _iso(made.pairing_expires_at),
        "member_code_prefix": made.member_code_prefix,
    }
    output(
        args,
        data,
        f"Terminal {made.terminal_id} ({made.name}) in {made.store_code}.\n"
        f"Pairing code (single use, until {_iso(made.pairing_expires_at)}): "
        f"{made.pairing_code}",
    )
    return 0


def cmd_terminal_revoke(args: argparse.Namespace) -> int:
    settings, database = open_database(args)
    TerminalService(database, settings).revoke(args.terminal_id)
    output(
        args,
        {"terminal_id": args.terminal_id, "revoked": True},
        f"Terminal {args.terminal_id} revoked: its token is refused from now on.",
    )
    return 0


def cmd_terminal_list(args: argparse.Namespace) -> int:
    settings, database = open_database(args)
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
    output(
        args,
        rows,
        "\n".join(
            f"{r['terminal_id']}\t{r['store_code']}\t{r['name']}\tlast seen {r['last_seen_at']}"
            for r in rows
        ),
    )
    return 0


def cmd_program_show(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    print(AdminService(database).current_program().model_dump_json(indent=2))
    return 0


def cmd_program_publish(args: argparse.Namespace) -> int:
    _, database = open_database(args)
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
    output(
        args,
        {"rule_version": program.rule_version, "published": True},
        f"Program rule_version {program.rule_version} published.",
    )
    return 0


def cmd_coupon_issue(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    expires = datetime.fromisoformat(args.expires_at) if args.expires_at else None
    coupon = AdminService(database).issue_coupon(
        args.member, args.title, args.value_cents, args.currency, expires
    )
    output(args, coupon, f"Coupon {coupon['coupon_id']} issued to {args.member}.")
    return 0


def cmd_staff_add(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    staff = AdminService(database).add_staff(args.code, args.name, args.role, args.pin, args.store)
    output(
        args,
        {k: v for k, v in staff.items() if k != "pin_hash"},
        f"Staff {args.code} ({args.role}) added.",
    )
    return 0


def cmd_staff_move(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    staff = StaffAdminService(database).move(args.code, args.store)
    where = args.store or "every store"
    output(
        args, {k: v for k, v in staff.items() if k != "pin_hash"}, f"Staff {args.code}: {where}."
    )
    return 0


def cmd_phones_backfill(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    report = PhoneHashBackfill(database).run(limit=args.limit)
    output(
        args,
        {"members": report.members, "left": report.left},
        f"Slow phone hashes computed for {report.members} members; {report.left} left.",
    )
    return 0


def cmd_staff_active(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    active = args.action == "activate"
    staff = AdminService(database).set_staff_active(args.code, active)
    output(
        args,
        {k: v for k, v in staff.items() if k != "pin_hash"},
        f"Staff {args.code} {'activated' if active else 'deactivated'}.",
    )
    return 0


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


def cmd_member_erase(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    # Scrubs the profile events too and writes the audit log (sync_server/services/member_admin.py).
    member_id = MemberAdminService(database).erase(
        CLI_PRINCIPAL, args.member_code, "erasure from the command line"
    )
    output(args, {"member_id": member_id, "erased": True}, f"Member {args.member_code} erased.")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    _, database = open_database(args)
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
    output(args, data, "\n".join(lines))
    return 0


def cmd_expire_points(args: argparse.Namespace) -> int:
    settings, database = open_database(args)
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
    output(
        args,
        {"members": report.members, "points": report.points, "tombstones_purged": purged},
        f"Expired {report.points} points of {report.members} members; "
        f"purged {purged} old tombstones.",
    )
    return 0
