"""The partner API's operations (issue 18, docs/PARTNER_API.md): look members up, read
their balance, tier, coupons and history, and write for an online channel.

Writes are events pushed through the same push path the tills use (load, the pure
ledger with the rules of ``shared/domain``, the writer): each store has one till-less
*channel terminal* (``partner_channels``), never paired, through which its online
writes enter. So the ledger decides them exactly as it decides a till's, the change log
gets their new versions, every till sees them on its next pull, and the webhook outbox
is written in the same transaction.

Event ids are derived from what makes an operation unique, so that each happens once
whatever the client repeats: an earn or a redemption from ``(store, kind, channel,
order id)``, an enrolment from ``(key, Idempotency-Key)``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from shared.domain.member_code import next_member_code, transposition_safe, validate_member_code
from shared.domain.money import check_currency
from shared.domain.phone import normalize_phone, phone_hash
from shared.domain.program import LoyaltyProgram
from shared.errors import DomainError, NotFound, RuleViolation, ValidationFailed
from shared.protocol import Event, PushResult
from sync_server.db import Database
from sync_server.errors import Conflict, Unauthorized
from sync_server.models import (
    Coupon,
    Member,
    MemberExternalId,
    PartnerChannel,
    SaleReturn,
    Terminal,
)
from sync_server.repositories import catalog
from sync_server.repositories import members as members_repo
from sync_server.repositories import partner as repo
from sync_server.repositories import terminals as terminals_repo
from sync_server.services.bootstrap import HEAD_OFFICE_PREFIX
from sync_server.services.common import coupon_data, new_id, tell_coupon_issued, utcnow
from sync_server.services.ledger import member_tier
from sync_server.services.partner_keys import Partner
from sync_server.services.push import Pusher
from sync_server.services.store_report import StoreReportService
from sync_server.services.versioning import ChangeBatch
from sync_server.services.webhooks import OutboxWriter

# uuid5 namespace of the event and member ids the partner API derives.
NAMESPACE = uuid.UUID("6f1f4a52-7a0e-4d53-9a43-2f6f0c9b8e18")
CHANNEL_TERMINAL_NAME = "Partner API (online)"
MAX_PAGE = 200

# The ledger's refusal codes and the HTTP status a partner gets for each.
_REJECTION_STATUS = {
    "unknown_member": 404,
    "invalid_phone": 422,
    "invalid_member_code": 422,
    "points_mismatch": 409,
    "coupon_unavailable": 409,
    "duplicate_member_code": 409,
    "member_exists": 409,
    "occurred_at_out_of_window": 422,
    "idempotency_conflict": 409,
    "unknown_sale": 404,
    "sale_voided": 409,
}


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))


@dataclass(frozen=True)
class _Channel:
    store_code: str
    terminal_id: str
    seq: int
    member_code: str | None


def _refused(result: PushResult) -> DomainError:
    code = result.code or "rejected"
    error = DomainError(result.detail or code, code=code)
    error.status = _REJECTION_STATUS.get(code, 409)
    return error


class PartnerService:
    def __init__(
        self, database: Database, push: Pusher, outbox: OutboxWriter | None = None
    ) -> None:
        self.database = database
        self.push = push
        self.outbox = outbox  # coupon.issued events (the push path writes the others)

    # --- reading ------------------------------------------------------------------

    def find_member(
        self,
        partner: Partner,
        *,
        code: str | None = None,
        phone: str | None = None,
        external_id: str | None = None,
        region: str | None = None,
    ) -> dict[str, Any]:
        partner.require("members:read")
        given = [v for v in (code, phone, external_id) if v]
        if len(given) != 1:
            raise ValidationFailed(
                "Look a member up by exactly one of code, phone or external_id.",
                code="invalid_lookup",
            )
        with self.database.read() as session:
            found: Member | None = None
            if code:
                try:
                    found = repo.member_by_code(session, validate_member_code(code))
                except ValidationFailed:
                    found = None
                # a merged member's code answers with the member that absorbed it (s20g)
                found = members_repo.survivor(session, found)
            elif external_id:
                found = repo.member_by_external_id(session, partner.name, external_id)
            else:
                assert phone is not None
                e164 = normalize_phone(phone, region or self._region(session, partner))
                deployment = catalog.deployment(session)
                assert deployment is not None
                key = bytes.fromhex(deployment.phone_hash_key)
                matches = [
                    m
                    for m in repo.members_by_phone_hash(session, phone_hash(key, e164))
                    if partner.may_use_store(m.store_code)
                ]
                found = matches[0] if matches else None
            if (
                found is None
                or found.status != "active"
                or not partner.may_use_store(found.store_code)
            ):
                raise NotFound("No member matches.", code="unknown_member")
            return self._summary(session, found, partner)

    def member(self, partner: Partner, member_id: str) -> dict[str, Any]:
        partner.require("members:read")
        with self.database.read() as session:
            return self._summary(session, self._visible(session, partner, member_id), partner)

    def history(
        self, partner: Partner, member_id: str, cursor: str | None, limit: int
    ) -> dict[str, Any]:
        partner.require("members:read")
        limit = max(1, min(limit, MAX_PAGE))
        before = _decode_cursor(cursor) if cursor else None
        with self.database.read() as session:
            self._visible(session, partner, member_id)
            rows = repo.history(session, member_id, before, limit + 1)
        items = []
        for row in rows[:limit]:
            data = json.loads(row.payload).get("data", {})
            items.append(
                {
                    "event_id": row.event_id,
                    "type": row.type,
                    "status": row.status,
                    "code": row.code,
                    "occurred_at": row.occurred_at.isoformat(),
                    "points": int(row.points_delta),
                    "balance_after": row.member_balance,
                    "voided": row.voided_by is not None,
                    "sale_ref": data.get("sale_ref"),
                }
            )
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = f"{last.occurred_at.isoformat()}|{last.event_id}"
        return {"items": items, "next_cursor": next_cursor}

    # --- writing ------------------------------------------------------------------

    def enrol(self, partner: Partner, idempotency_key: str, body: dict[str, Any]) -> dict[str, Any]:
        partner.require("members:write")
        store = self._store(partner, body["store"])
        external_id = body.get("external_id")
        member_id = derived_id(partner.key_id, "enrol", idempotency_key)
        with self.database.read() as session:
            existing = repo.member(session, member_id)
            linked = (
                repo.member_by_external_id(session, partner.name, external_id)
                if external_id
                else None
            )
            if linked is not None and linked.id != member_id:
                raise Conflict(
                    "This external id belongs to another member.", code="external_id_in_use"
                )
            if existing is None:
                region = self._store_region(session, store)
                deployment = catalog.deployment(session)
                assert deployment is not None
                e164 = normalize_phone(body["phone"], region)
                key = bytes.fromhex(deployment.phone_hash_key)
                taken = repo.members_by_phone_hash(session, phone_hash(key, e164))
                if taken:
                    raise Conflict(
                        "A member with this phone number is already enrolled.",
                        code="phone_in_use",
                    )
        if existing is None:
            channel = self._channel(store, mint_code=True)
            assert channel.member_code is not None
            data: dict[str, Any] = {
                "member_code": channel.member_code,
                "name": body["name"],
                "phone": body["phone"],
                "consent_marketing": body["consent_marketing"],
            }
            for optional in ("email", "birthday"):
                if body.get(optional) is not None:
                    data[optional] = body[optional]
            result = self._push(channel, member_id, "member.enrolled", data, member_id)
            if result.status == "rejected" and result.code != "idempotency_conflict":
                raise _refused(result)
        if external_id:
            self._link_external_id(partner.name, external_id, member_id)
        return (
            self.member(partner, member_id)
            if "members:read" in partner.scopes
            else {"member_id": member_id}
        )

    def update(
        self, partner: Partner, member_id: str, idempotency_key: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Change a member's profile or record their marketing consent: a
        ``member.updated`` event, as a till's profile edit."""
        partner.require("members:write")
        store = self._store(partner, body["store"])
        data = {
            name: body[name]
            for name in ("name", "phone", "email", "birthday", "consent_marketing")
            if body.get(name) is not None
        }
        if not data:
            raise ValidationFailed("Say what to change.", code="nothing_changed")
        with self.database.read() as session:
            self._visible(session, partner, member_id)
        channel = self._channel(store, mint_code=False)
        event_id = derived_id(partner.key_id, "update", idempotency_key)
        result = self._push(channel, member_id, "member.updated", data, event_id)
        if result.status == "rejected" and result.code != "idempotency_conflict":
            raise _refused(result)
        return (
            self.member(partner, member_id)
            if "members:read" in partner.scopes
            else {"member_id": member_id}
        )

    def earn(self, partner: Partner, member_id: str, body: dict[str, Any]) -> dict[str, Any]:
        partner.require("points:write")
        with self.database.read() as session:  # one read for everything the rule needs
            store = self._store_in(session, partner, body["store"])
            member = self._visible(session, partner, member_id, any_store=True)
            program, rule_version = self._program(session)
            lifetime = int(member.lifetime_points)
            channel = self._known_channel(session, store)
        # The till's rule: the points of a sale at the member's tier (shared.domain.program);
        # a tier qualified by period is the one held today (shared.domain.tier_rules).
        basis = lifetime
        if program.rules_for_tiers.by_period:
            held, _, _ = member_tier(program, member.tier_points or "", lifetime, 0, None, utcnow())
            basis = next(t.min_lifetime_points for t in program.tiers if t.code == held)
        points = program.points_for_sale(body["amount_cents"], basis, body["currency"])
        data = {
            "sale_ref": f"{body['channel']}:{body['order_id']}",
            "amount_cents": body["amount_cents"],
            "currency": body["currency"],
            "points": points,
            "rule_version": rule_version,
        }
        event_id = derived_id(store, "earn", body["channel"], body["order_id"])
        return self._order_write(store, event_id, member_id, "points.earned", data, points, channel)

    def redeem(self, partner: Partner, member_id: str, body: dict[str, Any]) -> dict[str, Any]:
        partner.require("points:write")
        with self.database.read() as session:
            store = self._store_in(session, partner, body["store"])
            member = self._visible(session, partner, member_id, any_store=True)
            program, _ = self._program(session)
            balance = int(member.balance)
            channel = self._known_channel(session, store)
        # The till's rule for an online redemption (no offline cap).
        value = program.check_redeem(
            body["points"],
            balance=balance,
            sale_amount_cents=body["order_amount_cents"],
            offline_redeemed_today=None,
        )
        data = {
            "sale_ref": f"{body['channel']}:{body['order_id']}",
            "points": body["points"],
            "value_cents": value,
            "sale_amount_cents": body["order_amount_cents"],
        }
        event_id = derived_id(store, "redeem", body["channel"], body["order_id"])
        answer = self._order_write(
            store, event_id, member_id, "points.redeemed", data, -body["points"], channel
        )
        answer["value_cents"] = value
        return answer

    def return_order(
        self, partner: Partner, member_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """All or part of an online order back: a ``sale.returned`` event of the order's
        earn (or of its redemption when it earned nothing), decided by the ledger with
        the tills' rule (``shared.domain.returns``): earned points come back out and
        redeemed points go back in proportion, never more than the order. Once per
        ``(store, channel, order_id, return_id)``."""
        partner.require("points:write")
        store_code, channel_name, order_id = body["store"], body["channel"], body["order_id"]
        earn_id = derived_id(store_code, "earn", channel_name, order_id)
        redeem_id = derived_id(store_code, "redeem", channel_name, order_id)
        with self.database.read() as session:
            store = self._store_in(session, partner, store_code)
            self._visible(session, partner, member_id, any_store=True)
            channel = self._known_channel(session, store)
            earned = _order_part(repo.stored_event(session, earn_id), member_id)
            redeemed = _order_part(repo.stored_event(session, redeem_id), member_id)
        if not (earned or redeemed):
            raise NotFound(
                f"Member {member_id} has no online order {order_id} on channel "
                f"{channel_name} at store {store}.",
                code="unknown_order",
            )
        data = {
            "sale_ref": f"{channel_name}:{order_id}",
            "sale_event_id": earn_id if earned else redeem_id,
            "redeemed_event_id": redeem_id if earned and redeemed else None,
            "amount_cents": body["amount_cents"],
            "points_taken": 0,  # the ledger decides the points from every return it holds
            "points_given": 0,
        }
        event_id = derived_id(store, "return", channel_name, order_id, body["return_id"])
        answer = self._order_write(store, event_id, member_id, "sale.returned", data, 0, channel)
        with self.database.read() as session:
            effect = session.get(SaleReturn, event_id)
            if effect is not None:
                answer["points"] = int(effect.points_given) - int(effect.points_taken)
                answer["returned_cents"] = int(effect.accepted_cents)
                answer["excess_cents"] = int(effect.excess_cents)
        return answer

    def issue_coupon(
        self, partner: Partner, member_id: str, idempotency_key: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """A coupon for one member, pulled by every till as the console's are; the
        ``coupon.issued`` event is written in the same transaction."""
        partner.require("coupons:write")
        check_currency(body["currency"])
        coupon_id = derived_id(partner.key_id, "coupon", idempotency_key)
        expires = body.get("expires_at")
        expires_at = datetime.fromisoformat(expires) if expires else None
        now = utcnow()
        with self.database.write() as session:
            self._visible(session, partner, member_id)
            found = session.get(Coupon, coupon_id)
            if found is not None:
                return _coupon(found)
            row: dict[str, Any] = {
                "id": coupon_id,
                "member_id": member_id,
                "title": body["title"],
                "value_cents": body["value_cents"],
                "currency": body["currency"],
                "expires_at": expires_at,
                "status": "available",
                "redeemed_event_id": None,
                "version": 0,
                "created_at": now,
            }
            if self.outbox is not None:
                tell_coupon_issued(self.outbox.record_event, session, row, partner.name, now)
            changes = ChangeBatch()
            slot = changes.touch("coupon", coupon_id)
            base = changes.write(session, lambda _e, _i: coupon_data(row), now)  # last
            row["version"] = base + slot
            catalog.insert_coupons(session, [row])
            return coupon_data(row)

    # --- reports --------------------------------------------------------------------

    def store_report(
        self, partner: Partner, store_code: str, date_from: date, date_to: date
    ) -> dict[str, Any]:
        """A store's figures across its tills and online channel by business date (the
        managers' store report: ``services/store_report.py``), for ``reports:read``."""
        partner.require("reports:read")
        if not partner.may_use_store(store_code):
            raise RuleViolation(
                f"This API key may not read store {store_code}.", code="store_not_allowed"
            )
        report = StoreReportService(self.database).report(store_code, date_from, date_to)
        return report.model_dump(mode="json")

    # --- helpers ------------------------------------------------------------------

    def _order_write(
        self,
        store: str,
        event_id: str,
        member_id: str,
        type_: str,
        data: dict[str, Any],
        points: int,
        channel: _Channel | None = None,
    ) -> dict[str, Any]:
        channel = channel or self._channel(store, mint_code=False)
        result = self._push(channel, member_id, type_, data, event_id)
        if result.status == "rejected" and result.code == "idempotency_conflict":
            # This order was recorded before (another Idempotency-Key, or a retry after a
            # crash): the same order is the same answer; a different one is a conflict.
            with self.database.read() as session:
                stored = repo.stored_event(session, event_id)
            if stored is None or json.loads(stored.payload).get("data") != data:
                raise Conflict(
                    "This order was already recorded with different content.",
                    code="order_conflict",
                )
            if stored.status == "rejected":
                raise DomainError(stored.code or "rejected", code=stored.code or "rejected")
            return {
                "event_id": event_id,
                "status": "duplicate",
                "points": points,
                "balance": stored.member_balance,
            }
        if result.status == "rejected":
            raise _refused(result)
        return {
            "event_id": event_id,
            "status": result.status,
            "points": points,
            "balance": result.member_balance,
            "flag": result.flag,
        }

    def _push(
        self, channel: _Channel, member_id: str, type_: str, data: dict[str, Any], event_id: str
    ) -> PushResult:
        event = Event(
            event_id=uuid.UUID(event_id),
            terminal_id=uuid.UUID(channel.terminal_id),
            seq=channel.seq,
            type=type_,
            occurred_at=utcnow(),
            member_id=uuid.UUID(member_id),
            data=data,
        )
        try:
            return self.push.push(channel.terminal_id, [event]).results[0]
        except Unauthorized:
            raise Conflict(
                f"Online writes for store {channel.store_code} are switched off (its channel "
                "terminal was revoked in the console).",
                code="channel_revoked",
            ) from None

    def _channel(self, store_code: str, *, mint_code: bool) -> _Channel:
        """The store's channel terminal (made the first time), the next seq and, for an
        enrolment, a fresh member code of its prefix. Two writes may get the same seq:
        the one committed second finds it at or below the watermark and leaves the
        watermark as it is (no gap, so nothing waits for a missing seq)."""
        if not mint_code:  # the usual case: the channel exists, and a seq may repeat
            with self.database.read() as session:
                known = self._known_channel(session, store_code)
            if known is not None:
                return known
        for _ in range(3):
            try:
                with self.database.write() as session:
                    found = repo.channel(session, store_code, lock=True)
                    if found is None:
                        found = self._new_channel(session, store_code)
                    code = None
                    if mint_code:
                        terminal = session.get(Terminal, found.terminal_id)
                        assert terminal is not None
                        code, found.next_counter = next_member_code(
                            terminal.member_code_prefix, found.next_counter
                        )
                    seq = repo.terminal_seq(session, found.terminal_id) + 1
                    return _Channel(store_code, found.terminal_id, seq, code)
            except IntegrityError:
                continue  # another request made the channel at the same moment
        raise Conflict("The store's online channel is busy; try again.", code="channel_busy")

    @staticmethod
    def _new_channel(session: Any, store_code: str) -> PartnerChannel:
        used = terminals_repo.used_prefixes(session) | {HEAD_OFFICE_PREFIX}
        prefix = next(
            f"{n:06d}"
            for n in range(int(HEAD_OFFICE_PREFIX) + 1, 1_000_000)
            if f"{n:06d}" not in used and transposition_safe(f"{n:06d}")
        )
        terminal = Terminal(
            id=new_id(),
            store_code=store_code,
            name=CHANNEL_TERMINAL_NAME,
            member_code_prefix=prefix,
            pairing_code_hash=None,  # no token and no pairing code: no till signs in as it
            # "paired" from the start, so that nobody can make a pairing code for it
            paired_at=utcnow(),
            created_at=utcnow(),
            watermark=0,
            max_seq=0,
        )
        terminals_repo.add(session, terminal)
        channel = PartnerChannel(store_code=store_code, terminal_id=terminal.id, next_counter=1)
        session.add(channel)
        session.flush()
        return channel

    def _link_external_id(self, source: str, external_id: str, member_id: str) -> None:
        try:
            with self.database.write() as session:
                found = repo.member_by_external_id(session, source, external_id)
                if found is None:
                    session.add(
                        MemberExternalId(
                            source=source, external_id=external_id, member_id=member_id
                        )
                    )
                elif found.id != member_id:
                    raise Conflict(
                        "This external id belongs to another member.", code="external_id_in_use"
                    )
        except IntegrityError:
            self._link_external_id(source, external_id, member_id)

    def _store(self, partner: Partner, store_code: str) -> str:
        with self.database.read() as session:
            return self._store_in(session, partner, store_code)

    @staticmethod
    def _store_in(session: Any, partner: Partner, store_code: str) -> str:
        if not partner.may_use_store(store_code):
            raise RuleViolation(
                f"This API key may not write for store {store_code}.", code="store_not_allowed"
            )
        store = catalog.get_store(session, store_code)
        if store is None or not store.active:
            raise NotFound(f"No active store {store_code}.", code="unknown_store")
        return store_code

    @staticmethod
    def _known_channel(session: Any, store_code: str) -> _Channel | None:
        """The store's channel and next seq, when it exists (read, no lock)."""
        known = repo.channel(session, store_code)
        if known is None:
            return None
        seq = repo.terminal_seq(session, known.terminal_id) + 1
        return _Channel(store_code, known.terminal_id, seq, None)

    def _visible(
        self, session: Any, partner: Partner, member_id: str, *, any_store: bool = False
    ) -> Member:
        found = members_repo.survivor(session, repo.member(session, member_id))
        if (
            found is None
            or found.status != "active"
            or (not any_store and not partner.may_use_store(found.store_code))
        ):
            raise NotFound(f"No member {member_id}.", code="unknown_member")
        return found

    @staticmethod
    def _program(session: Any) -> tuple[LoyaltyProgram, int]:
        version = catalog.program_version_in_force(session, utcnow())
        row = catalog.get_program(session, version)
        if row is None:
            raise NotFound("No loyalty program is published.", code="no_program")
        return LoyaltyProgram.model_validate_json(row.body), version

    def _region(self, session: Any, partner: Partner) -> str:
        stores = sorted(partner.stores) or [s.code for s in catalog.list_stores(session)][:1]
        return self._store_region(session, stores[0]) if stores else "CN"

    @staticmethod
    def _store_region(session: Any, store_code: str) -> str:
        store = catalog.get_store(session, store_code)
        return store.phone_region if store is not None else "CN"

    @staticmethod
    def _summary(session: Any, member: Member, partner: Partner) -> dict[str, Any]:
        coupons = [
            {
                "coupon_id": c.id,
                "title": c.title,
                "value_cents": int(c.value_cents),
                "currency": c.currency,
                "expires_at": c.expires_at.isoformat() if c.expires_at else None,
                "status": c.status,
            }
            for c in repo.coupons(session, member.id)
        ]
        return {
            "member_id": member.id,
            "member_code": member.member_code,
            "name": member.name,
            "phone_last4": member.phone_last4,
            "tier": member.tier,
            # s20e: the last day the tier is kept (a program whose tiers go by period)
            "tier_until": member.tier_until.isoformat() if member.tier_until else None,
            "balance": int(member.balance),
            "lifetime_points": int(member.lifetime_points),
            "store": member.store_code,
            "enrolled_at": member.enrolled_at.isoformat(),
            "consent_marketing": bool(member.consent_marketing),
            "external_ids": [
                ext
                for source, ext in repo.external_ids(session, member.id)
                if source == partner.name
            ],
            "coupons": coupons,
        }


def _order_part(row: Any, member_id: str) -> bool:
    """Whether a stored event of an order is this member's and stands (accepted)."""
    return row is not None and row.status == "accepted" and row.member_id == member_id


def _coupon(coupon: Coupon) -> dict[str, Any]:
    return coupon_data(
        {
            "id": coupon.id,
            "member_id": coupon.member_id,
            "title": coupon.title,
            "value_cents": int(coupon.value_cents),
            "currency": coupon.currency,
            "expires_at": coupon.expires_at,
            "status": coupon.status,
        }
    )


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, event_id = cursor.split("|", 1)
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise ValidationFailed(
            "This cursor is not one the API gave.", code="invalid_cursor"
        ) from None
    if moment.tzinfo is None or len(event_id) > 64:
        raise ValidationFailed("This cursor is not one the API gave.", code="invalid_cursor")
    return moment, event_id
