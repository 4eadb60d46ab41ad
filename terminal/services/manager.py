"""What needs a manager: voiding an earlier event, adjusting points with a reason,
and seeing what the server rejected."""

from __future__ import annotations

from shared.domain.adjustment import adjustment_reason
from shared.errors import RuleViolation
from shared.protocol import VOIDABLE_TYPES
from terminal.offline.outbox import NewEvent, record_event
from terminal.offline.repositories import (
    CouponRepository,
    EventRepository,
    ProgramRepository,
)
from terminal.offline.repositories.returns import ReturnRepository
from terminal.services.base import (
    Service,
    require_manager,
    require_member,
    store_day,
    view_after,
)
from terminal.services.errors import AlreadyVoided, NotVoidable, UnknownEvent
from terminal.services.inputs import clean_points, clean_reason, event_key, member_key
from terminal.services.views import EventView, Receipt, StaffSession


class ManagerService(Service):
    def void(self, manager: StaffSession, event_id: str, *, reason: str) -> Receipt:
        """Reverse an earn, redemption, adjustment or coupon redemption made here."""
        text = clean_reason(reason)
        eid = event_key(event_id)
        now = self.clock()
        with self.replica.write() as session:
            require_manager(session, manager)
            events = EventRepository(session)
            target = events.get(eid) if eid else None
            if target is None:
                raise UnknownEvent("No such event on this terminal.", event_id=str(event_id))
            if target.type not in VOIDABLE_TYPES:
                raise NotVoidable(f"A {target.type} event cannot be voided.", type=target.type)
            if target.status == "rejected":
                raise NotVoidable("The server rejected this event; there is nothing to void.")
            if target.voided_by is not None:
                raise AlreadyVoided("This event was already voided.", voided_by=target.voided_by)
            if ReturnRepository(session).sale_returned_here(target):
                raise NotVoidable("Part of this sale was returned; it cannot be voided now.")
            event = record_event(
                session,
                NewEvent(
                    type="event.voided",
                    member_id=target.member_id,
                    staff_id=manager.staff_id,
                    data={"voided_event_id": target.event_id, "reason": text},
                    points_delta=-target.points_delta,
                    lifetime_delta=-target.lifetime_delta,
                    voided_event_id=target.event_id,
                ),
                occurred_at=now,
            )
            target.voided_by = event.event_id
            # The sale no longer earns or redeems: free its reference so the cashier can
            # ring it up again (the wire payload keeps the original sale_ref).
            target.sale_ref = None
            if target.coupon_id is not None:
                coupon = CouponRepository(session).get(target.coupon_id)
                if coupon is not None:
                    coupon.status = "available"
            hit = require_member(session, target.member_id)  # read after the flush: fresh
            view = view_after(hit, ProgramRepository(session).current(), today=self.today())
            return Receipt(event.event_id, event.seq, event.type, event.points_delta, None, view)

    def adjust(self, manager: StaffSession, member_id: str, *, points: int, reason: str) -> Receipt:
        """A signed correction; it may not take the displayed balance below zero."""
        mid = member_key(member_id)
        delta = clean_points(points, allow_negative=True)
        text = clean_reason(reason)
        now = self.clock()
        with self.replica.write() as session:
            require_manager(session, manager)
            hit = require_member(session, mid, active=True)
            program = ProgramRepository(session).current()
            today = EventRepository(session).adjusted_on(mid, store_day(session, now))
            program.check_adjustment(delta, adjusted_today=today)
            balance = hit[0].balance + hit[1].points
            if balance + delta < 0:
                raise RuleViolation(
                    f"The member has {balance} points; {-delta} cannot be taken away.",
                    code="insufficient_balance",
                    balance=balance,
                )
            event = record_event(
                session,
                NewEvent(
                    type="points.adjusted",
                    member_id=mid,
                    staff_id=manager.staff_id,
                    data={"points": delta, "reason": text},
                    points_delta=delta,
                ),
                occurred_at=now,
            )
            view = view_after(hit, program, points=delta, today=self.today())
            return Receipt(event.event_id, event.seq, event.type, delta, None, view)

    def adjust_for(
        self, manager: StaffSession, member_id: str, *, points: int, reason: str, note: str = ""
    ) -> Receipt:
        """An adjustment with a reason from the list (``shared.domain.adjustment``) and
        the manager's own words; ``other`` needs those words."""
        return self.adjust(
            manager, member_id, points=points, reason=adjustment_reason(reason, note)
        )

    def rejected_events(self, manager: StaffSession, limit: int = 500) -> list[EventView]:
        """Events the server refused, with its code; they never count in a balance."""
        with self.replica.read() as session:
            require_manager(session, manager)
            events = EventRepository(session)
            views = []
            for event in events.with_status("rejected", limit=limit):
                outbox = events.outbox_for_event(event.event_id)
                views.append(EventView.build(event, outbox.rejection_code if outbox else None))
            return views
