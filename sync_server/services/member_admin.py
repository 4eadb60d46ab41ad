"""Members at head office, with their rights (GDPR, PIPL) kept.

Full phone, e-mail and birthday are only shown to roles allowed to see personal data,
and only with a reason; every view, export and erasure is written to the audit log.
Erasure scrubs the member row (``AdminService.erase_member``: terminals receive a
delete) and the personal fields of the member's enrolment and update events (and their content
hashes, which would confirm a guess), keeping the ledger (points, amounts, seqs) for
accounting, anonymised.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from shared.errors import NotFound, ValidationFailed
from sync_server.db import Database
from sync_server.models import Member
from sync_server.repositories import accounts as audit_repo
from sync_server.repositories import member_admin as repo
from sync_server.repositories import members as members_repo
from sync_server.services import webhooks
from sync_server.services.accounts import Principal
from sync_server.services.admin import AdminService
from sync_server.services.common import EventSink, canonical, dumps, sha256_hex, utcnow

PERSONAL_FIELDS = ("name", "phone", "email", "birthday")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def masked(member: Member) -> dict[str, Any]:
    """What any console role may see of a member."""
    return {
        "member_id": member.id,
        "member_code": member.member_code,
        "name": member.name,
        "phone_masked": member.phone_masked,
        "tier": member.tier,
        "balance": member.balance,
        "lifetime_points": member.lifetime_points,
        "status": member.status,
        "store_code": member.store_code,
        "enrolled_at": _iso(member.enrolled_at),
        # s20e: the last day the tier is kept (a program whose tiers go by period)
        "tier_until": member.tier_until.isoformat() if member.tier_until else None,
    }


def _need_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if len(text) < 4:
        raise ValidationFailed(
            "Say why you need this (at least 4 characters).", code="reason_required"
        )
    return text[:500]


class MemberAdminService:
    def __init__(self, database: Database, events: EventSink | None = None) -> None:
        self.database = database
        self.events = events  # member.erased for webhooks and the broker

    def search(self, principal: Principal, query: str, limit: int = 50) -> list[dict[str, Any]]:
        principal.require("view_members")
        if not query.strip():
            return []
        with self.database.read() as session:
            return [masked(m) for m in repo.search(session, query[:100], limit)]

    def member(self, principal: Principal, member_code: str) -> dict[str, Any]:
        principal.require("view_members")
        with self.database.read() as session:
            member = self._get(session, member_code)
            view = masked(member)
            view["last_visit"] = _iso(repo.last_visit(session, member.id))
            view["ledger"] = [
                {**row, "occurred_at": _iso(row["occurred_at"])}
                for row in repo.ledger(session, member.id)
            ]
            view["coupons"] = [
                {
                    "title": c.title,
                    "value_cents": c.value_cents,
                    "currency": c.currency,
                    "status": c.status,
                    "expires_at": _iso(c.expires_at),
                }
                for c in repo.coupons_of(session, member.id)
            ]
        return view

    def reveal(self, principal: Principal, member_code: str, reason: str) -> dict[str, Any]:
        """Full phone, e-mail and birthday; the view is audited with its reason."""
        principal.require("view_personal_data")
        why = _need_reason(reason)
        with self.database.write() as session:
            member = self._get(session, member_code)
            audit_repo.add_audit(
                session,
                utcnow(),
                principal.name,
                "member.view_personal_data",
                member_code,
                why,
                "phone,email,birthday",
            )
            return {
                "phone": member.phone_e164,
                "email": member.email,
                "birthday": member.birthday.isoformat() if member.birthday else None,
                "consent_marketing": member.consent_marketing,
                "consent_marketing_at": _iso(member.consent_marketing_at),
            }

    def export(self, principal: Principal, member_code: str, reason: str) -> dict[str, Any]:
        """Everything held about a member (data portability), audited."""
        principal.require("export_member")
        why = _need_reason(reason)
        with self.database.write() as session:
            member = self._get(session, member_code)
            data: dict[str, Any] = {
                "member": masked(member),
                "personal_data": {
                    "phone": member.phone_e164,
                    "email": member.email,
                    "birthday": member.birthday.isoformat() if member.birthday else None,
                    "consent_marketing": member.consent_marketing,
                    "consent_marketing_at": _iso(member.consent_marketing_at),
                },
                "ledger": [
                    {**row, "occurred_at": _iso(row["occurred_at"])}
                    for row in repo.ledger(session, member.id, limit=100_000)
                ],
                "coupons": [
                    {
                        "coupon_id": c.id,
                        "title": c.title,
                        "value_cents": c.value_cents,
                        "currency": c.currency,
                        "status": c.status,
                        "expires_at": _iso(c.expires_at),
                    }
                    for c in repo.coupons_of(session, member.id)
                ],
                "exported_at": utcnow().isoformat(),
            }
            audit_repo.add_audit(
                session, utcnow(), principal.name, "member.export", member_code, why, ""
            )
        return data

    def erase(self, principal: Principal, member_code: str, reason: str) -> str:
        """Scrub personal data everywhere; terminals receive a delete. Returns the id."""
        principal.require("erase_member")
        why = _need_reason(reason)
        with self.database.write() as session:
            member = self._get(session, member_code)
            for event_id, payload in repo.profile_events(session, member.id):
                scrubbed = _scrub(payload)
                # The old content hash would let a guess of the erased data be confirmed.
                repo.set_payload(
                    session, event_id, dumps(scrubbed), sha256_hex(canonical(scrubbed))
                )
            # and from kept webhook deliveries, the members merged into it's too (s20g)
            for member_id in (member.id, *members_repo.merged_into(session, member.id)):
                webhooks.scrub_member(session, member_id)
        # The member row, its tombstone and the change log (one transaction of its own;
        # the scrub above is idempotent, so a retry after a failure here is safe).
        member_id = AdminService(self.database).erase_member(member_code, events=self.events)
        with self.database.write() as session:
            audit_repo.add_audit(
                session,
                utcnow(),
                principal.name,
                "member.erase",
                member_code,
                why,
                f"member_id={member_id}",
            )
        return member_id

    @staticmethod
    def _get(session: Any, member_code: str) -> Member:
        member = repo.by_code(session, member_code.strip())
        if member is None or member.status == "erased":
            raise NotFound(f"No member {member_code}.", code="unknown_member")
        return member


def _scrub(payload: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(payload)
    data = event.get("data") or {}
    for key in PERSONAL_FIELDS:
        if key in data:
            data[key] = None if key != "name" else ""
    event["data"] = data
    return event
