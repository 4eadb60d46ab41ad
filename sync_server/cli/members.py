"""`sync-server member erase`, `privacy export|erase` (a member's data, audited),
`phones backfill` and `expire-points`. Each prints text, or JSON with --json."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from shared.errors import DomainError
from sync_server.cli.common import AddCommand, open_database, output
from sync_server.services.accounts import CLI_PRINCIPAL
from sync_server.services.maintenance import MaintenanceService
from sync_server.services.member_admin import MemberAdminService
from sync_server.services.notices import NoticeService
from sync_server.services.phone_backfill import PhoneHashBackfill
from sync_server.services.tiers import TierService
from sync_server.services.webhooks import EndpointCache, OutboxWriter


def _members(settings: Any, database: Any) -> MemberAdminService:
    """With the outbox: an erasure sends member.erased to webhooks and the broker."""
    outbox = OutboxWriter(EndpointCache(ttl=0), broker=bool(settings.broker_url))
    return MemberAdminService(database, events=outbox.record_event)


def cmd_member_erase(args: argparse.Namespace) -> int:
    settings, database = open_database(args)
    # Scrubs the profile events too and writes the audit log (sync_server/services/member_admin.py).
    member_id = _members(settings, database).erase(
        CLI_PRINCIPAL, args.member_code, "erasure from the command line"
    )
    output(args, {"member_id": member_id, "erased": True}, f"Member {args.member_code} erased.")
    return 0


def cmd_privacy_export(args: argparse.Namespace) -> int:
    _, database = open_database(args)
    data = MemberAdminService(database).export(CLI_PRINCIPAL, args.member_code, args.reason)
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    return 0


def cmd_privacy_erase(args: argparse.Namespace) -> int:
    settings, database = open_database(args)
    member_id = _members(settings, database).erase(CLI_PRINCIPAL, args.member_code, args.reason)
    output(args, {"member_id": member_id, "erased": True}, f"Member {args.member_code} erased.")
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


def _now(args: argparse.Namespace) -> datetime | None:
    now = datetime.fromisoformat(args.now) if args.now else None
    if now is not None and now.tzinfo is None:
        raise DomainError(
            "--now needs a UTC offset, e.g. 2026-01-01T00:00:00+00:00", code="invalid_time"
        )
    return now


def cmd_tiers_review(args: argparse.Namespace) -> int:
    settings, database = open_database(args)
    outbox = OutboxWriter(EndpointCache(ttl=0), broker=bool(settings.broker_url))
    service = TierService(database, events=outbox.record_event)
    report = service.review(_now(args), rebuild=args.rebuild)
    output(
        args,
        {"members": report.members, "checked": report.checked, "updated": report.updated},
        f"Changed the tier of {report.members} of {report.checked} members looked at.",
    )
    return 0


def cmd_expire_points(args: argparse.Namespace) -> int:
    settings, database = open_database(args)
    now = _now(args)
    outbox = OutboxWriter(EndpointCache(ttl=0), broker=bool(settings.broker_url))
    maintenance = MaintenanceService(
        database,
        tombstone_retention_days=settings.tombstone_retention_days,
        events=outbox.record_event,  # points.expired for webhooks and the broker
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


def cmd_notices(args: argparse.Namespace) -> int:
    settings, database = open_database(args)
    now = datetime.fromisoformat(args.now) if args.now else None
    if now is not None and now.tzinfo is None:
        raise DomainError(
            "--now needs a UTC offset, e.g. 2026-01-01T00:00:00+00:00", code="invalid_time"
        )
    outbox = OutboxWriter(EndpointCache(ttl=0), broker=bool(settings.broker_url))
    report = NoticeService(
        database,
        outbox.record_event,
        expiring_days=settings.notice_expiring_days,
        churn_days=settings.notice_churn_days,
    ).run(now)
    output(
        args,
        {"points_expiring": report.expiring, "churn_risk": report.churn_risk},
        f"Sent points.expiring for {report.expiring} members and member.churn_risk for "
        f"{report.churn_risk}.",
    )
    return 0


def register(sub: Any, add: AddCommand) -> None:
    """member erase, privacy export|erase, phones backfill, expire-points, tiers review."""
    member = sub.add_parser("member", help="members").add_subparsers(dest="action", required=True)
    add("erase", cmd_member_erase, member).add_argument("member_code")
    privacy = sub.add_parser("privacy", help="member data export and erasure").add_subparsers(
        dest="action", required=True
    )
    for name, func in (("export", cmd_privacy_export), ("erase", cmd_privacy_erase)):
        command = add(name, func, privacy)
        command.add_argument("member_code")
        command.add_argument("--reason", required=True, help="why (written to the audit log)")
    phones = sub.add_parser("phones", help="member phone hashes").add_subparsers(
        dest="action", required=True
    )
    backfill = add("backfill", cmd_phones_backfill, phones)
    backfill.add_argument("--limit", type=int, help="at most this many members this run")
    expire = add("expire-points", cmd_expire_points, help="expire old points, purge tombstones")
    expire.add_argument("--now", help="pretend it is this time (RFC 3339)")
    notices = add(
        "notices", cmd_notices, help="send points.expiring and member.churn_risk, once each"
    )
    notices.add_argument("--now", help="pretend it is this time (RFC 3339)")
    tiers = sub.add_parser("tiers", help="member tiers").add_subparsers(
        dest="action", required=True
    )
    review = add("review", cmd_tiers_review, tiers, help="lower tiers past their last day")
    review.add_argument("--now", help="pretend it is this time (RFC 3339)")
    review.add_argument(
        "--rebuild",
        action="store_true",
        help="count every member's monthly totals again from the ledger first",
    )
