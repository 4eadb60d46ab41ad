"""The facts of a member slip, read from the replica right after a transaction.

``SlipService.facts(event_id)`` reads one transaction recorded here (an earn, a
redemption, a coupon, a void, an enrolment or an adjustment), the member as it stands
after it and the store; ``latest(member_id)`` finds the member's last such transaction
on this till. ``terminal.services.slip_content.compose_slip`` turns the facts into the
slip's lines. A read only: printing a slip never changes the replica.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from terminal.offline.clock import from_text
from terminal.offline.models import LocalEvent
from terminal.offline.repositories import (
    CouponRepository,
    EventRepository,
    ProgramRepository,
    StoreRepository,
    TerminalStateRepository,
)
from terminal.services.base import Service, require_member, view_after
from terminal.services.errors import UnknownEvent
from terminal.services.inputs import event_key, member_key
from terminal.services.slip_content import ExpiringPoints, SlipFacts, SlipKind

SLIP_KINDS = frozenset(kind.value for kind in SlipKind)


class SlipService(Service):
    def facts(self, event_id: str, *, expiring: ExpiringPoints | None = None) -> SlipFacts:
        """The slip facts of the transaction ``event_id`` (``unknown_event`` if this till
        has no such transaction). ``expiring`` comes from the ledger when it knows it."""
        eid = event_key(event_id)
        with self.replica.read() as session:
            event = EventRepository(session).get(eid) if eid else None
            if event is None or event.type not in SLIP_KINDS:
                raise UnknownEvent("No such transaction on this terminal.", event_id=str(event_id))
            return self._facts(session, event, expiring)

    def latest(self, member_id: str) -> SlipFacts | None:
        """The slip facts of the member's last transaction on this till, or None."""
        mid = member_key(member_id)
        with self.replica.read() as session:
            event = session.scalars(
                select(LocalEvent)
                .where(LocalEvent.member_id == mid, LocalEvent.type.in_(SLIP_KINDS))
                .order_by(LocalEvent.seq.desc())
                .limit(1)
            ).first()
            return None if event is None else self._facts(session, event, None)

    def _facts(
        self, session: Session, event: LocalEvent, expiring: ExpiringPoints | None
    ) -> SlipFacts:
        program = ProgramRepository(session).current()
        store = StoreRepository(session).require()
        state = TerminalStateRepository(session).get()
        member = view_after(require_member(session, event.member_id), program, today=self.today())
        kind = SlipKind(event.type)
        voided_kind = None
        value_cents = None
        amount_cents = event.amount_cents
        sale_ref = event.sale_ref
        events = EventRepository(session)
        if kind == SlipKind.VOID and event.voided_event_id:
            target = events.get(event.voided_event_id)
            if target is not None and target.type in SLIP_KINDS:
                voided_kind = SlipKind(target.type)
        elif kind == SlipKind.REDEEM:
            value_cents = program.points_value_cents(-event.points_delta, store.currency)
        elif kind == SlipKind.COUPON and event.coupon_id:
            coupon = CouponRepository(session).get(event.coupon_id)
            value_cents = coupon.value_cents if coupon is not None else None
        return SlipFacts(
            kind=kind,
            occurred_at=from_text(event.occurred_at),
            store_name=store.name,
            store_code=store.store_code,
            terminal_id=state.terminal_id or "",
            currency=store.currency,
            timezone=store.timezone,
            program=program,
            member_name=member.display_name,
            member_code=member.member_code,
            points_delta=event.points_delta,
            balance=member.balance,
            lifetime_points=member.lifetime_points,
            sale_ref=sale_ref,
            amount_cents=amount_cents,
            value_cents=value_cents,
            voided_kind=voided_kind,
            pending_points=member.pending_points,
            expiring=expiring,
            tier_code=member.tier,
            tier_until=member.tier_until,
        )
