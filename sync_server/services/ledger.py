"""The ledger rules: how one event changes a member, in memory, within a push.

The push service loads and locks what a batch touches, runs every event through
:meth:`LedgerBatch.apply` in order, then writes the result in one transaction.
Points are recomputed with the shared program rules; nothing is trusted blindly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.domain.member_code import validate_member_code
from shared.domain.phone import (
    mask_phone,
    normalize_phone,
    phone_hash,
    phone_last4,
)
from shared.domain.program import LoyaltyProgram
from shared.errors import ValidationFailed
from shared.protocol import (
    VOIDABLE_TYPES,
    CouponRedeemedData,
    Event,
    EventVoidedData,
    MemberEnrolledData,
    MemberUpdatedData,
    PointsAdjustedData,
    PointsEarnedData,
    PointsRedeemedData,
)
from sync_server.services.versioning import ChangeBatch


class Rejected(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass
class Outcome:
    status: str
    member_id: str
    code: str | None = None
    detail: str | None = None
    balance: int | None = None
    version: int | None = None  # an absolute version, or
    slot: int | None = None  # a slot of this transaction's ChangeBatch
    overdraft: bool = False
    points_delta: int = 0
    lifetime_delta: int = 0
    lifetime_points: int | None = None


@dataclass
class Context:
    """What the rules need besides the rows: programs, the store, the deployment key."""

    programs: dict[int, LoyaltyProgram]
    current_program: LoyaltyProgram
    phone_key: bytes
    phone_region: str
    store_code: str
    now: datetime
    # The lifetime points voids took back from a member before this batch (a ledger
    # query; asked only when an earn's claim does not stand at the current tier).
    voided_lifetime: Callable[[str], int] = lambda _member_id: 0


class LedgerBatch:
    def __init__(
        self,
        ctx: Context,
        members: dict[str, dict[str, Any]],
        taken_codes: set[str],
        targets: dict[str, dict[str, Any]],
        coupons: dict[str, dict[str, Any]],
        changes: ChangeBatch,
    ) -> None:
        self.ctx = ctx
        self.members = members
        self.taken_codes = taken_codes
        self.targets = targets  # ledger rows of events that may be voided
        self.coupons = coupons
        self.changes = changes
        self.new_members: set[str] = set()
        self.dirty_members: set[str] = set()
        self.profile_changed: set[str] = set()
        self.dirty_coupons: set[str] = set()
        self.voided: list[tuple[str, str]] = []

    # --- entry point --------------------------------------------------------------

    def apply(self, event: Event) -> Outcome:
        member_id = str(event.member_id)
        try:
            handler = getattr(self, "_" + event.type.replace(".", "_"))
            outcome: Outcome = handler(event, member_id)
        except Rejected as refusal:
            return Outcome("rejected", member_id, code=refusal.code, detail=refusal.detail)
        return outcome

    def record(self, event: Event, outcome: Outcome, payload: dict[str, Any]) -> None:
        """Remember an event of this batch so that a later event may void it."""
        self.targets[str(event.event_id)] = {
            "event_id": str(event.event_id),
            "type": event.type,
            "member_id": outcome.member_id,
            "status": outcome.status,
            "points_delta": outcome.points_delta,
            "lifetime_delta": outcome.lifetime_delta,
            "voided_by": None,
            "data": payload["data"],
        }

    # --- helpers ------------------------------------------------------------------

    def _member(self, member_id: str) -> dict[str, Any]:
        member = self.members.get(member_id)
        if member is None or member["status"] != "active":
            raise Rejected("unknown_member", f"No member with id {member_id}.")
        return member

    def _changed(self, member: dict[str, Any], **extra: Any) -> Outcome:
        member["tier"] = self.ctx.current_program.tier_for(member["lifetime_points"]).code
        member["updated_at"] = self.ctx.now
        if member["id"] not in self.new_members:
            self.dirty_members.add(member["id"])
        slot = self.changes.touch("member", member["id"])
        return Outcome(
            "accepted",
            member["id"],
            balance=member["balance"],
            slot=slot,
            lifetime_points=member["lifetime_points"],
            **extra,
        )

    def _unchanged(self, member: dict[str, Any]) -> Outcome:
        slot = self.changes.latest_slot("member", member["id"])
        version = None if slot is not None else member["version"]
        return Outcome(
            "accepted",
            member["id"],
            balance=member["balance"],
            slot=slot,
            version=version,
            lifetime_points=member["lifetime_points"],
        )

    def _voided_lifetime(self, member_id: str) -> int:
        """Lifetime points taken back by voids: before this batch, and in it."""
        in_batch = sum(
            int(self.targets[target]["lifetime_delta"])
            for target, _by in self.voided
            if self.targets[target]["member_id"] == member_id
        )
        return self.ctx.voided_lifetime(member_id) + in_batch

    def _phone(self, raw: str) -> dict[str, str]:
        """The member's phone columns for this number."""
        try:
            e164 = normalize_phone(raw, self.ctx.phone_region)
        except ValidationFailed as error:
            raise Rejected("invalid_phone", error.message) from None
        return {
            "phone_e164": e164,
            "phone_hash": phone_hash(self.ctx.phone_key, e164),
            "phone_last4": phone_last4(e164),
            "phone_masked": mask_phone(e164),
            # argon2id costs tens of ms: computed after the commit, off the request
            # (services.phone_backfill.PhoneHashWorker), then published as a new version
            "phone_slow_hash": "",
        }

    # --- one method per event type -------------------------------------------------

    def _member_enrolled(self, event: Event, member_id: str) -> Outcome:
        data = MemberEnrolledData.model_validate(event.data)
        if member_id in self.members:
            raise Rejected("member_exists", f"Member {member_id} already exists.")
        try:
            code = validate_member_code(data.member_code)
        except ValidationFailed as error:
            raise Rejected("invalid_member_code", error.message) from None
        if code in self.taken_codes:
            raise Rejected("duplicate_member_code", f"Member code {code} is already in use.")
        phone = self._phone(data.phone)
        self.taken_codes.add(code)
        member = {
            "id": member_id,
            "member_code": code,
            "name": data.name,
            **phone,
            "email": data.email,
            "birthday": data.birthday,
            "consent_marketing": data.consent_marketing,
            "balance": 0,
            "lifetime_points": 0,
            "tier": "",
            "status": "active",
            "version": 0,
            "store_code": self.ctx.store_code,
            "enrolled_at": event.occurred_at,
            "updated_at": self.ctx.now,
        }
        self.members[member_id] = member
        self.new_members.add(member_id)
        return self._changed(member)

    def _member_updated(self, event: Event, member_id: str) -> Outcome:
        data = MemberUpdatedData.model_validate(event.data)
        member = self._member(member_id)
        if data.phone is not None:
            member.update(self._phone(data.phone))
        for field in ("name", "email", "birthday", "consent_marketing"):
            value = getattr(data, field)
            if value is not None:
                member[field] = value
        self.profile_changed.add(member_id)
        return self._changed(member)

    def _points_earned(self, event: Event, member_id: str) -> Outcome:
        data = PointsEarnedData.model_validate(event.data)
        member = self._member(member_id)
        program = self.ctx.programs.get(data.rule_version)
        if program is None:
            raise Rejected("unknown_rule_version", f"No program rule_version {data.rule_version}.")
        lifetime = member["lifetime_points"]
        try:
            expected = program.points_for_sale(data.amount_cents, lifetime)
        except ValidationFailed as error:
            raise Rejected("points_mismatch", error.message) from None
        # A till that had not heard of this member's newer tier yet, or of a void that
        # took a tier back: the claim stands (see LoyaltyProgram.earn_claim_stands), as
        # an offline overdraft does. The ledger is asked for voids only when needed.
        stands = program.earn_claim_stands(
            data.amount_cents, data.points, lifetime
        ) or program.earn_claim_stands(
            data.amount_cents, data.points, lifetime, self._voided_lifetime(member_id)
        )
        if not stands:
            raise Rejected(
                "points_mismatch",
                f"The program at rule_version {data.rule_version} gives {expected} points, "
                f"not {data.points}.",
            )
        member["balance"] += data.points
        member["lifetime_points"] += data.points
        return self._changed(member, points_delta=data.points, lifetime_delta=data.points)

    def _points_redeemed(self, event: Event, member_id: str) -> Outcome:
        data = PointsRedeemedData.model_validate(event.data)
        member = self._member(member_id)
        member["balance"] -= data.points
        overdraft = member["balance"] < 0
        return self._changed(member, points_delta=-data.points, overdraft=overdraft)

    def _points_adjusted(self, event: Event, member_id: str) -> Outcome:
        data = PointsAdjustedData.model_validate(event.data)
        member = self._member(member_id)
        member["balance"] += data.points
        return self._changed(member, points_delta=data.points)

    def _coupon_redeemed(self, event: Event, member_id: str) -> Outcome:
        data = CouponRedeemedData.model_validate(event.data)
        member = self._member(member_id)
        coupon_id = str(data.coupon_id)
        coupon = self.coupons.get(coupon_id)
        expires = coupon["expires_at"] if coupon else None
        if (
            coupon is None
            or coupon["member_id"] != member_id
            or coupon["status"] != "available"
            or (expires is not None and expires <= event.occurred_at)
        ):
            raise Rejected("coupon_unavailable", f"Coupon {coupon_id} cannot be redeemed.")
        coupon["status"] = "redeemed"
        coupon["redeemed_event_id"] = str(event.event_id)
        self.dirty_coupons.add(coupon_id)
        self.changes.touch("coupon", coupon_id)
        return self._unchanged(member)

    def _event_voided(self, event: Event, member_id: str) -> Outcome:
        data = EventVoidedData.model_validate(event.data)
        target_id = str(data.voided_event_id)
        target = self.targets.get(target_id)
        if target is None or target["status"] != "accepted" or target["member_id"] != member_id:
            raise Rejected("unknown_event", f"No accepted event {target_id} of this member.")
        if target["type"] not in VOIDABLE_TYPES:
            raise Rejected("not_voidable", f"A {target['type']} event cannot be voided.")
        if target["voided_by"] is not None:
            raise Rejected("already_voided", f"Event {target_id} is already voided.")
        member = self._member(member_id)
        if target["type"] == "coupon.redeemed":
            coupon_id = str(target["data"]["coupon_id"])
            coupon = self.coupons.get(coupon_id)
            if coupon is not None:
                coupon["status"] = "available"
                coupon["redeemed_event_id"] = None
                self.dirty_coupons.add(coupon_id)
                self.changes.touch("coupon", coupon_id)
        target["voided_by"] = str(event.event_id)
        self.voided.append((target_id, str(event.event_id)))
        member["balance"] -= target["points_delta"]
        member["lifetime_points"] -= target["lifetime_delta"]
        return self._changed(
            member, points_delta=-target["points_delta"], lifetime_delta=-target["lifetime_delta"]
        )
