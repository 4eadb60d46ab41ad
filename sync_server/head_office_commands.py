"""`sync-server reconcile`, `sync-server admin ...` (console accounts) and
`sync-server privacy export|erase` (a member's data, audited)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import Any

from shared.domain.business_day import parse_day
from shared.errors import ValidationFailed
from sync_server.commands import open_database, output
from sync_server.services.accounts import CLI_PRINCIPAL, ROLES, AccountService
from sync_server.services.member_admin import MemberAdminService
from sync_server.services.reconcile import ReconcileService

AddCommand = Callable[..., argparse.ArgumentParser]


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


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise ValidationFailed("The passwords differ.", code="password_mismatch")
    return first


def cmd_admin_add(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    account = AccountService(database).add(args.name, args.role, _password(args))
    output(
        args,
        {"name": account.name, "role": account.role},
        f"Console account {account.name} ({account.role}) added.",
    )
    return 0


def cmd_admin_list(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    accounts = AccountService(database).accounts()
    rows = [
        {
            "name": a.name,
            "role": a.role,
            "locked_until": a.locked_until.isoformat() if a.locked_until else None,
            "last_login_at": a.last_login_at.isoformat() if a.last_login_at else None,
        }
        for a in accounts
    ]
    output(args, rows, "\n".join(f"{r['name']}\t{r['role']}" for r in rows))
    return 0


def cmd_privacy_export(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    data = MemberAdminService(database).export(CLI_PRINCIPAL, args.member_code, args.reason)
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    return 0


def cmd_privacy_erase(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    member_id = MemberAdminService(database).erase(CLI_PRINCIPAL, args.member_code, args.reason)
    output(args, {"member_id": member_id, "erased": True}, f"Member {args.member_code} erased.")
    return 0


def register(sub: Any, add: AddCommand) -> None:
    reconcile = add("reconcile", cmd_reconcile, help="terminal-days of a business day")
    reconcile.add_argument("--date", help="business date YYYY-MM-DD (default: today)")
    reconcile.add_argument("--exceptions", action="store_true", help="list exceptions too")
    admin = sub.add_parser("admin", help="head-office console accounts").add_subparsers(
        dest="action", required=True
    )
    admin_add = add("add", cmd_admin_add, admin)
    admin_add.add_argument("name")
    admin_add.add_argument("--role", choices=ROLES, required=True)
    admin_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add("list", cmd_admin_list, admin)
    privacy = sub.add_parser("privacy", help="member data export and erasure").add_subparsers(
        dest="action", required=True
    )
    for name, func in (("export", cmd_privacy_export), ("erase", cmd_privacy_erase)):
        command = add(name, func, privacy)
        command.add_argument("member_code")
        command.add_argument("--reason", required=True, help="why (written to the audit log)")
