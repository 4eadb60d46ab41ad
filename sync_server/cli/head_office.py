"""Head-office commands of `sync-server`: stores, terminals, the loyalty program,
coupons, staff and the demo data. Each prints text, or JSON with --json."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shared.domain.coupons import parse_coupon_terms
from shared.domain.program import LoyaltyProgram, describe_program_errors
from shared.errors import DomainError
from sync_server.cli.common import AddCommand, iso, open_database, output
from sync_server.services.admin import AdminService
from sync_server.services.dashboard_rebuild import DashboardRebuild
from sync_server.services.seed import SeedService
from sync_server.services.staff import StaffAdminService
from sync_server.services.terminals import TerminalService
from sync_server.services.webhooks import EndpointCache, OutboxWriter


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
        "pairing_expires_at": iso(made.pairing_expires_at),
        "member_code_prefix": made.member_code_prefix,
    }
    output(
        args,
        data,
        f"Terminal {made.terminal_id} ({made.name}) in {made.store_code}.\n"
        f"Pairing code (single use, until {iso(made.pairing_expires_at)}): "
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
            "last_seen_at": iso(t.last_seen_at),
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
            f"{args.file} is not a loyalty program: {describe_program_errors(error.errors())}",
            code="invalid_program",
        ) from None
    start, stores = _rollout_args(args)
    AdminService(database).publish_program(
        program, effective_from=start, stores=stores, actor="cli"
    )
    output(
        args,
        {
            "rule_version": program.rule_version,
            "published": True,
            "stores": stores,
            "effective_from": start.isoformat() if start else None,
        },
        f"Program rule_version {program.rule_version} published"
        + (f" to {', '.join(stores)}" if stores else " to every store")
        + (f", in force from {start.isoformat()}." if start else ", in force at once."),
    )
    return 0


def _rollout_args(args: argparse.Namespace) -> tuple[datetime | None, list[str] | None]:
    """``--effective-from`` (ISO 8601 with its offset) and ``--stores S001,S002``."""
    start = None
    if args.effective_from:
        try:
            start = datetime.fromisoformat(args.effective_from)
        except ValueError:
            raise DomainError(
                "--effective-from is an ISO 8601 time with its offset, "
                "e.g. 2026-12-24T00:00+08:00.",
                code="invalid_effective_from",
            ) from None
        if start.tzinfo is None:
            raise DomainError(
                "--effective-from needs its offset (e.g. +08:00 or Z).",
                code="invalid_effective_from",
            )
    stores = [code for code in args.stores.split(",")] if args.stores is not None else None
    return start, stores


def cmd_program_rollout(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    start, stores = _rollout_args(args)
    AdminService(database).roll_out(
        args.rule_version, effective_from=start, stores=stores, actor="cli"
    )
    output(
        args,
        {
            "rule_version": args.rule_version,
            "stores": stores,
            "effective_from": start.isoformat() if start else None,
        },
        f"Program rule_version {args.rule_version} rolled out"
        + (f" to {', '.join(stores)}" if stores else " to every store")
        + (f", in force from {start.isoformat()}." if start else ", in force at once."),
    )
    return 0


def cmd_program_versions(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    views = AdminService(database).program_versions()
    rows: list[dict[str, Any]] = [
        {
            "rule_version": v.rule_version,
            "state": v.state,
            "published_at": v.published_at.isoformat(),
            "rollouts": [
                {
                    "store": r.store_code,
                    "effective_from": r.effective_from.isoformat() if r.effective_from else None,
                }
                for r in v.rollouts
            ],
        }
        for v in views
    ]
    output(
        args,
        rows,
        "\n".join(
            f"{r['rule_version']}\t{r['state']}\t"
            + "; ".join(
                f"{o['store'] or 'every store'} from {o['effective_from'] or 'at once'}"
                for o in r["rollouts"]
            )
            for r in rows
        ),
    )
    return 0


def cmd_coupon_issue(args: argparse.Namespace) -> int:
    settings, database = open_database(args)
    expires = datetime.fromisoformat(args.expires_at) if args.expires_at else None
    terms = None
    if args.terms:
        try:
            terms = parse_coupon_terms(Path(args.terms).read_text(encoding="utf-8"))
        except OSError as error:
            raise DomainError(
                f"Cannot read {args.terms}: {error.strerror}", code="unreadable_file"
            ) from None
    elif args.value_cents is None:
        raise DomainError("Give --value-cents or --terms.", code="invalid_amount")
    outbox = OutboxWriter(EndpointCache(ttl=0), broker=bool(settings.broker_url))
    coupon = AdminService(database).issue_coupon(
        args.member,
        args.title,
        args.value_cents or 0,
        args.currency,
        expires,
        terms=terms,
        code=args.code,
        paper=args.paper,
        events=outbox.record_event,  # coupon.issued for webhooks and the broker
        source="command line",
    )
    printed = f" Code {coupon['code']} (scan CPN:{coupon['code']})." if coupon.get("code") else ""
    output(args, coupon, f"Coupon {coupon['coupon_id']} issued to {args.member}.{printed}")
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


def cmd_seed_demo(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    admin = AdminService(database)
    if args.store not in {s.code for s in admin.stores()}:
        admin.add_store(args.store, "Downtown 市中心店")
    report = SeedService(database).seed(args.members, store_code=args.store)
    DashboardRebuild(database).rebuild()  # the seeded members on the dashboard too
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


def register(sub: Any, add: AddCommand) -> None:
    """store add|list, terminal add|revoke|list, program show|publish|rollout|versions,
    coupon issue,
    staff add|move|deactivate|activate, seed-demo."""
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
    publish = add("publish", cmd_program_publish, program)
    publish.add_argument("file")
    rollout = add("rollout", cmd_program_rollout, program)
    rollout.add_argument("rule_version", type=int)
    for parser in (publish, rollout):
        parser.add_argument(
            "--effective-from",
            help="in force from this time (ISO 8601 with offset); default: at once",
        )
        parser.add_argument(
            "--stores", help="only these stores, comma separated (a staged roll-out); default: all"
        )
    add("versions", cmd_program_versions, program)

    coupon = sub.add_parser("coupon", help="coupons").add_subparsers(dest="action", required=True)
    issue = add("issue", cmd_coupon_issue, coupon)
    issue.add_argument("--member", required=True, help="member code")
    issue.add_argument("--title", required=True)
    issue.add_argument("--value-cents", type=int, help="a fixed coupon's value (or --terms)")
    issue.add_argument("--currency", default="CNY")
    issue.add_argument("--expires-at")
    issue.add_argument("--terms", help="JSON file of the coupon's terms (docs/PROGRAM.md)")
    issue.add_argument("--paper", action="store_true", help="give it a code to print")
    issue.add_argument("--code", help="the paper coupon's code (default: a new one)")

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

    seed = add("seed-demo", cmd_seed_demo, help="demo members, coupons and staff")
    seed.add_argument("--members", type=int, default=3000)
    seed.add_argument("--store", default="S001")
