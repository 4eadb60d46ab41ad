"""Settling pushed events with what the server answered."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from shared.domain.tier_rules import fold
from shared.protocol import PushResult
from terminal.offline.clock import from_text
from terminal.offline.models import LocalEvent, Member, OutboxRow
from terminal.offline.outbox import purge_profile_pii
from terminal.offline.repositories import EventRepository, MemberRepository, ProgramRepository


def apply_result(session: Session, result: PushResult, now: str) -> str:
    """Apply one push result; returns the event's status afterwards ("unknown" if none)."""
    events = EventRepository(session)
    event_id = str(result.event_id)
    event = events.get(event_id)
    outbox = events.outbox_for_event(event_id)
    if event is None or outbox is None:
        return "unknown"
    if outbox.status != "pending":
        return outbox.status
    if result.status == "rejected":
        _reject(session, event, outbox, result.code or "rejected", result.detail, now)
        return "rejected"
    outbox.settled_at = now
    purge_profile_pii(outbox)
    event.status = outbox.status = "acknowledged"
    member = MemberRepository(session).get(event.member_id)
    if member is not None:
        if result.member_balance is not None and result.member_version is not None:
            if result.member_version > member.version:
                member.balance = result.member_balance
                member.version = result.member_version
                if result.member_lifetime_points is not None:
                    member.lifetime_points = result.member_lifetime_points
                else:  # an older server: fold the event in until the next pull
                    member.lifetime_points += event.lifetime_delta
                # The server counted it in its monthly tier totals at this version
                # (a pull of this version is skipped): so does the replica.
                _fold_tier_points(session, member, event)
        else:
            # No authoritative figure: fold the event in until the next pull says more.
            member.balance += event.points_delta
            member.lifetime_points += event.lifetime_delta
            _fold_tier_points(session, member, event)
    return "acknowledged"


def _fold_tier_points(session: Session, member: Member, event: LocalEvent) -> None:
    """The acknowledged event's lifetime points into the member's monthly tier totals,
    under a program whose tiers go by period (``shared.domain.tier_rules``)."""
    if event.lifetime_delta and ProgramRepository(session).current().rules_for_tiers.by_period:
        when = from_text(event.occurred_at)
        member.tier_points = fold(member.tier_points, when, event.lifetime_delta) or None


def reject_event(session: Session, event_id: str, code: str, detail: str | None, now: str) -> bool:
    events = EventRepository(session)
    event = events.get(event_id)
    outbox = events.outbox_for_event(event_id)
    if event is None or outbox is None or outbox.status != "pending":
        return False
    _reject(session, event, outbox, code, detail, now)
    return True


def _reject(
    session: Session,
    event: LocalEvent,
    outbox: OutboxRow,
    code: str,
    detail: str | None,
    now: str,
) -> None:
    """Rejections are final: the event stays visible, stops counting, and loses its PII."""
    event.status = outbox.status = "rejected"
    event.sale_ref = None  # the sale never counted: it may be rung up again
    outbox.rejection_code = code[:64]
    outbox.rejection_detail = detail
    outbox.settled_at = now
    purge_profile_pii(outbox)
    if event.type == "member.card_replaced":  # the old card works again
        new_code = json.loads(outbox.payload)["data"]["member_code"]
        MemberRepository(session).undo_replacement(event.event_id, new_code)
    if event.type == "member.enrolled":
        member = MemberRepository(session).get(event.member_id)
        if member is not None and member.version == 0:
            member.status = "rejected"  # never reached the server: no more points for it
