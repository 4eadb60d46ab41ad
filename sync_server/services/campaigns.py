"""Campaigns: coupons for one member or a segment (tier, birthday month, not seen for N
days), reaching terminals through the pull like any coupon; and the churn-risk list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.domain.money import check_currency
from shared.errors import ValidationFailed
from sync_server.db import Database
from sync_server.repositories import accounts as audit_repo
from sync_server.repositories import catalog
from sync_server.repositories import member_admin as repo
from sync_server.services.accounts import Principal
from sync_server.services.admin import AdminService
from sync_server.services.common import EventSink, coupon_data, new_id, tell_coupon_issued, utcnow
from sync_server.services.versioning import ChangeBatch

MAX_SEGMENT = 20_000


@dataclass(frozen=True, slots=True)
class Segment:
    tier: str | None = None
    birthday_month: int | None = None
    not_seen_days: int | None = None

    def describe(self) -> str:
        parts = [
            f"tier={self.tier}" if self.tier else "",
            f"birthday_month={self.birthday_month}" if self.birthday_month else "",
            f"not_seen_days={self.not_seen_days}" if self.not_seen_days else "",
        ]
        return ",".join(p for p in parts if p) or "all active members"


def _check_segment(segment: Segment) -> None:
    if segment.birthday_month is not None and not 1 <= segment.birthday_month <= 12:
        raise ValidationFailed("A month is 1 to 12.", code="invalid_month")
    if segment.not_seen_days is not None and not 1 <= segment.not_seen_days <= 3650:
        raise ValidationFailed("Days not seen is 1 to 3650.", code="invalid_days")


def _check_coupon(title: str, value_cents: int, currency: str) -> None:
    check_currency(currency)
    if not title.strip() or len(title) > 200:
        raise ValidationFailed("A coupon needs a title (up to 200).", code="invalid_title")
    if value_cents <= 0:
        raise ValidationFailed("A coupon is worth more than zero.", code="invalid_amount")


class CampaignService:
    def __init__(self, database: Database, events: EventSink | None = None) -> None:
        self.database = database
        self.events = events  # coupon.issued for webhooks and the broker

    def issue_to_member(
        self,
        principal: Principal,
        member_code: str,
        title: str,
        value_cents: int,
        currency: str,
        expires_at: datetime | None = None,
    ) -> dict[str, Any]:
        principal.require("issue_coupons")
        _check_coupon(title, value_cents, currency)
        coupon = AdminService(self.database).issue_coupon(
            member_code,
            title.strip(),
            value_cents,
            currency,
            expires_at,
            events=self.events,
            source=principal.name,
        )
        self._audit(principal, "coupon.issue", member_code, f"{title} {value_cents} {currency}")
        return coupon

    def preview(self, principal: Principal, segment: Segment, limit: int = 200) -> list[Any]:
        principal.require("issue_coupons")
        _check_segment(segment)
        return self._segment(segment, limit)

    def issue_to_segment(
        self,
        principal: Principal,
        segment: Segment,
        title: str,
        value_cents: int,
        currency: str,
        expires_at: datetime | None = None,
    ) -> int:
        """One coupon per member of the segment, in one transaction. Returns how many."""
        principal.require("issue_coupons")
        _check_segment(segment)
        _check_coupon(title, value_cents, currency)
        now = utcnow()
        with self.database.write() as session:
            members = repo.segment(
                session,
                tier=segment.tier,
                birthday_month=segment.birthday_month,
                not_seen_since=self._since(segment, now),
                limit=MAX_SEGMENT,
            )
            rows: list[dict[str, Any]] = []
            changes = ChangeBatch()
            slots: dict[str, int] = {}
            for member, _visit in members:
                coupon_id = new_id()
                row: dict[str, Any] = {
                    "id": coupon_id,
                    "member_id": member.id,
                    "title": title.strip(),
                    "value_cents": value_cents,
                    "currency": currency,
                    "expires_at": expires_at,
                    "status": "available",
                    "redeemed_event_id": None,
                    "version": 0,
                    "created_at": now,
                }
                rows.append(row)
                slots[coupon_id] = changes.touch("coupon", coupon_id)
            by_id = {row["id"]: row for row in rows}
            if self.events is not None:
                for row in rows:
                    tell_coupon_issued(self.events, session, row, principal.name, now)
            base = changes.write(session, lambda _e, i: coupon_data(by_id[i]), now)
            for row in rows:
                row["version"] = base + slots[str(row["id"])]
            if rows:
                catalog.insert_coupons(session, rows)
            audit_repo.add_audit(
                session,
                now,
                principal.name,
                "coupon.issue_segment",
                segment.describe(),
                "",
                f"{len(rows)} coupons: {title} {value_cents} {currency}",
            )
        return len(rows)

    def churn_risk(self, principal: Principal, days: int = 90, limit: int = 500) -> list[Any]:
        """Members not seen for ``days`` days, the longest absent first, with last visit."""
        principal.require("view_churn")
        return self._segment(Segment(not_seen_days=days), limit)

    def _segment(self, segment: Segment, limit: int) -> list[dict[str, Any]]:
        _check_segment(segment)
        now = utcnow()
        with self.database.read() as session:
            found = repo.segment(
                session,
                tier=segment.tier,
                birthday_month=segment.birthday_month,
                not_seen_since=self._since(segment, now),
                limit=limit,
            )
            return [
                {
                    "member_code": m.member_code,
                    "name": m.name,
                    "tier": m.tier,
                    "balance": m.balance,
                    "store_code": m.store_code,
                    "last_visit": visit.isoformat() if visit else None,
                    "enrolled_at": m.enrolled_at.isoformat(),
                }
                for m, visit in found
            ]

    @staticmethod
    def _since(segment: Segment, now: datetime) -> datetime | None:
        return now - timedelta(days=segment.not_seen_days) if segment.not_seen_days else None

    def _audit(self, principal: Principal, action: str, target: str, detail: str) -> None:
        with self.database.write() as session:
            audit_repo.add_audit(session, utcnow(), principal.name, action, target, "", detail)
