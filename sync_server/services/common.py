"""Small helpers shared by the services: clock, ids, canonical JSON, hashing, projections."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

from shared.domain.program import LoyaltyProgram
from shared.protocol import CouponFields, MemberFields

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class EventSink(Protocol):
    """``webhooks.OutboxWriter.record_event``: a domain event (webhooks, the broker)
    written in the caller's transaction; ``personal`` goes only to endpoints allowed
    personal data."""

    def __call__(
        self,
        session: Session,
        kind: str,
        member_id: str,
        message_id: str,
        data: dict[str, Any],
        now: datetime,
        personal: dict[str, Any] | None = None,
    ) -> None: ...


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def dumps(data: Any) -> str:
    """Compact JSON text, the form stored and sent."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def canonical(data: Any) -> str:
    """Canonical JSON (sorted keys): two equal contents always give the same text."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def member_data(row: dict[str, Any]) -> dict[str, Any]:
    """``member_fields`` as the change log takes it (a plain dict; no copy is made)."""
    return cast("dict[str, Any]", member_fields(row))


def coupon_data(row: dict[str, Any]) -> dict[str, Any]:
    """``coupon_fields`` as the change log takes it (a plain dict; no copy is made)."""
    return cast("dict[str, Any]", coupon_fields(row))


def member_fields(row: dict[str, Any]) -> MemberFields:
    """A member as terminals pull it (``shared.protocol.MemberFields``), in its JSON form.

    Nothing that a stolen till could turn back into the number cheaply: no full phone,
    e-mail or birthday, no fast HMAC (``phone_hash`` goes empty, kept for older terminals
    that require the field), no first digits (no ``phone_masked``), only the slow hash
    (docs/HEAD_OFFICE.md)."""
    fields: MemberFields = {
        "member_id": row["id"],
        "member_code": row["member_code"],
        "display_name": row["name"],
        "phone_last4": row["phone_last4"],
        "phone_hash": "",
        "phone_slow_hash": row["phone_slow_hash"],
        "tier": row["tier"],
        "balance": row["balance"],
        "lifetime_points": row["lifetime_points"],
        "status": row["status"],
    }
    # extension (s19b): only for a member whose card was replaced
    codes = (row.get("previous_codes") or "").split()
    if codes:
        fields["previous_codes"] = codes
    # extension (s20g): only for a member others were merged into
    merged = (row.get("merged_codes") or "").split()
    if merged:
        fields["merged_codes"] = merged
    # extension (s20e): only for a program whose tiers go by period
    if row.get("tier_until") is not None:
        fields["tier_until"] = str(row["tier_until"])
    if row.get("tier_points"):
        fields["tier_points"] = row["tier_points"]
    return fields


def coupon_fields(row: dict[str, Any]) -> CouponFields:
    """A coupon as terminals pull it (``shared.protocol.CouponFields``), in its JSON form."""
    expires = row["expires_at"]
    fields: CouponFields = {
        "coupon_id": row["id"],
        "member_id": row["member_id"],
        "title": row["title"],
        "value_cents": row["value_cents"],
        "currency": row["currency"],
        "expires_at": expires.isoformat() if expires is not None else None,
        "status": row["status"],
    }
    # extension (s20d): only for a coupon that has them
    if row.get("code"):
        fields["code"] = row["code"]
    if row.get("terms"):
        fields["terms"] = json.loads(row["terms"])
    return fields


def staff_data(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "staff_id": row["id"],
        "staff_code": row["staff_code"],
        "name": row["name"],
        "role": row["role"],
        "pin_hash": row["pin_hash"],
        "active": row["active"],
        "store_code": row["store_code"],
    }


def program_data(program: LoyaltyProgram) -> dict[str, Any]:
    return program.model_dump(mode="json")


def tell_coupon_issued(
    events: EventSink, session: Session, row: dict[str, Any], source: str, now: datetime
) -> None:
    """``coupon.issued`` for a coupon row being inserted in ``session`` (webhooks, the
    broker), message id ``msg_<coupon id>``; ``source`` says who issued it."""
    data = {**coupon_data(row), "store": None, "source": source}
    events(session, "coupon.issued", str(row["member_id"]), f"msg_{row['id']}", data, now)


def server_event(
    event_id: str,
    type_: str,
    member_id: str,
    data: dict[str, Any],
    occurred_at: datetime,
    received_at: datetime,
    member: dict[str, Any],
    points_delta: int = 0,
) -> dict[str, Any]:
    """A ledger row of an event the server made itself (an expiry, a tier review, a demo
    opening balance): no terminal and no seq, accepted, after ``member`` (its row, with
    the balance and version the event left it with)."""
    payload = canonical(
        {
            "event_id": event_id,
            "type": type_,
            "member_id": member_id,
            "occurred_at": occurred_at.isoformat(),
            "data": data,
        }
    )
    return {
        "event_id": event_id,
        "terminal_id": None,
        "seq": None,
        "type": type_,
        "member_id": member_id,
        "occurred_at": occurred_at,
        "received_at": received_at,
        "content_hash": sha256_hex(payload),
        "payload": payload,
        "status": "accepted",
        "code": None,
        "member_balance": member["balance"],
        "member_version": member["version"],
        "overdraft": False,
        "points_delta": points_delta,
        "lifetime_delta": 0,
        "voided_by": None,
    }
