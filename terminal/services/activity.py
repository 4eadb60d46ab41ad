"""What the terminal has done and still has to send: outbox state, recent events."""

from __future__ import annotations

from sqlalchemy import select

from terminal.offline.models import LocalEvent
from terminal.offline.repositories import EventRepository, TerminalStateRepository
from terminal.services.base import Service
from terminal.services.views import EventView, OutboxSummary


class ActivityService(Service):
    def outbox(self) -> OutboxSummary:
        with self.replica.read() as session:
            events = EventRepository(session)
            counts = events.outbox_counts()
            pending = events.pending_outbox(1)
            state = TerminalStateRepository(session).get()
            return OutboxSummary(
                pending=counts["pending"],
                acknowledged=counts["acknowledged"],
                rejected=counts["rejected"],
                oldest_pending_seq=pending[0].seq if pending else None,
                last_sync_at=state.last_sync_at,
                online=state.online,
            )

    def recent(self, limit: int = 20) -> list[EventView]:
        with self.replica.read() as session:
            rows = session.scalars(
                select(LocalEvent).order_by(LocalEvent.seq.desc()).limit(limit)
            ).all()
            return [EventView.build(row) for row in rows]
