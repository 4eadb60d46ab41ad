"""`sync-server partner-key create|list|revoke` (API keys of the partner API) and
`sync-server webhook add|list|pause|resume|deliver` (docs/PARTNER_API.md)."""

from __future__ import annotations

import argparse
from typing import Any

from sync_server.cli.common import AddCommand, iso, open_database, output
from sync_server.services.accounts import CLI_PRINCIPAL
from sync_server.services.partner_keys import DEFAULT_RATE_PER_MINUTE, SCOPES, PartnerKeyService
from sync_server.services.webhooks import WEBHOOK_TYPES, WebhookService


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


def cmd_webhook_add(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    types = _split(args.types) or list(WEBHOOK_TYPES)
    made = WebhookService(database).add(
        CLI_PRINCIPAL, args.url, types, personal_data=args.personal_data
    )
    output(
        args,
        made,
        f"Webhook endpoint {made['endpoint_id']} added. Its signing secret, shown only now:\n"
        f"{made['secret']}",
    )
    return 0


def cmd_webhook_list(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    endpoints = WebhookService(database).list_endpoints()
    lines = [
        f"{e['endpoint_id']}  {e['url']}  {' '.join(e['event_types'])}  "
        f"pending={e['pending']} delivered={e['delivered']} dead={e['dead']}"
        + ("  PAUSED" if e["paused"] else "")
        for e in endpoints
    ]
    output(args, endpoints, "\n".join(lines) or "No webhook endpoints.")
    return 0


def cmd_webhook_pause(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    paused = args.action == "pause"
    WebhookService(database).set_paused(CLI_PRINCIPAL, args.endpoint_id, paused)
    output(
        args,
        {"endpoint_id": args.endpoint_id, "paused": paused},
        f"Endpoint {args.endpoint_id} {'paused' if paused else 'resumed'}.",
    )
    return 0


def cmd_webhook_replay(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    WebhookService(database).replay(CLI_PRINCIPAL, args.delivery_id)
    output(
        args,
        {"delivery_id": args.delivery_id, "replayed": True},
        f"Delivery {args.delivery_id} will be sent again.",
    )
    return 0


def register(sub: Any, add: AddCommand) -> None:
    """partner-key create|list|revoke; webhook add|list|pause|resume|replay."""
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
    hooks = sub.add_parser("webhook", help="webhook endpoints").add_subparsers(
        dest="action", required=True
    )
    hook_add = add("add", cmd_webhook_add, hooks)
    hook_add.add_argument("url")
    hook_add.add_argument(
        "--types", help=f"comma list of: {', '.join(WEBHOOK_TYPES)} (default: all)"
    )
    hook_add.add_argument(
        "--personal-data", action="store_true", help="send names, phones, e-mails, birthdays"
    )
    add("list", cmd_webhook_list, hooks)
    for action in ("pause", "resume"):
        add(action, cmd_webhook_pause, hooks).add_argument("endpoint_id")
    add("replay", cmd_webhook_replay, hooks).add_argument("delivery_id", type=int)
