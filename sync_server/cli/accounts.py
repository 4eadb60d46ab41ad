"""`sync-server admin add|list`: head-office console accounts."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from shared.errors import ValidationFailed
from sync_server.cli.common import AddCommand, open_database, output
from sync_server.services.accounts import ROLES, AccountService


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


def register(sub: Any, add: AddCommand) -> None:
    """admin add|list."""
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
