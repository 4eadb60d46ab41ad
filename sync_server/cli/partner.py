"""`sync-server partner-key create|list|revoke` (API keys of the partner API) and
`sync-server webhook add|list|pause|resume|deliver` (docs/PARTNER_API.md)."""

from __future__ import annotations

import argparse
from typing import Any

from sync_server.cli.common import AddCommand, iso, open_database, output
from sync_server.services.accounts import CLI_PRINCIPAL
from sync_server.services.partner_keys import DEFAULT_RATE_PER_MINUTE, SCOPES, PartnerKeyService


def _split(value: str | None) -> list[str]:
    return [part for part in (value or "").replace(",", " ").split() if part]


def cmd_key_create(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    made = PartnerKeyService(database).create(
        CLI_PRINCIPAL, args.name, _split(args.scopes), _split(args.stores), args.rate
    )
    output(
        args,
        {"key_id": made.key_id, "name": made.name, "secret": made.secret},
        f"API key {made.key_id} ({made.name}) made. Its secret, shown only now:\n{made.secret}",
    )
    return 0


def cmd_key_list(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    keys = PartnerKeyService(database).list()
    listed = [
        {
            **key,
            "created_at": iso(key["created_at"]),
            "revoked_at": iso(key["revoked_at"]),
            "last_used_at": iso(key["last_used_at"]),
        }
        for key in keys
    ]
    lines = [
        f"{k['key_id']}  {k['name']}  {' '.join(k['scopes'])}  "
        f"stores={','.join(k['stores']) or 'all'}  last used {k['last_used_at'] or 'never'}"
        + ("  REVOKED" if k["revoked_at"] else "")
        for k in listed
    ]
    output(args, listed, "\n".join(lines) or "No API keys.")
    return 0


def cmd_key_revoke(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    PartnerKeyService(database).revoke(CLI_PRINCIPAL, args.key_id)
    output(args, {"key_id": args.key_id, "revoked": True}, f"API key {args.key_id} revoked.")
    return 0


def register(sub: Any, add: AddCommand) -> None:
    """partner-key create|list|revoke."""
    keys = sub.add_parser("partner-key", help="API keys of the partner API").add_subparsers(
        dest="action", required=True
    )
    create = add("create", cmd_key_create, keys)
    create.add_argument("name", help="who uses it (the web shop, the CRM, ...)")
    create.add_argument("--scopes", required=True, help=f"comma list of: {', '.join(SCOPES)}")
    create.add_argument("--stores", help="comma list of store codes (default: every store)")
    create.add_argument(
        "--rate", type=int, default=DEFAULT_RATE_PER_MINUTE, help="requests a minute"
    )
    add("list", cmd_key_list, keys)
    add("revoke", cmd_key_revoke, keys).add_argument("key_id")
