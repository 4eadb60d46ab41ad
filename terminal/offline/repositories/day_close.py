"""Day closes: the outbox payloads of a business day, and the days already closed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from terminal.offline.models import DayCloseRecord, LocalEvent, OutboxRow


class DayCloseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def payloads_of(self, business_date: str) -> list[str]:
        """The wire payloads (JSON text) of a business day's events, in seq order."""
        return list(
            self.session.scalars(
                select(OutboxRow.payload)
                .join(LocalEvent, LocalEvent.event_id == OutboxRow.event_id)
                .where(LocalEvent.business_date == business_date)
                .order_by(OutboxRow.seq)
            ).all()
        )

    def days_with_events(self, before: str) -> set[str]:
        """Business dates (ISO) before ``before`` on which this terminal recorded events."""
        return set(
            self.session.scalars(
                select(LocalEvent.business_date).where(LocalEvent.business_date < before).distinct()
            ).all()
        )

    def settled_days(self, retry_before: str | None) -> set[str]:
        """Days closed with an answer other than ``pending``, and pending days sent at or
        after ``retry_before`` (RFC 3339 text; None: every pending day counts as settled)."""
        settled = DayCloseRecord.status != "pending"
        if retry_before is not None:
            settled = settled | (DayCloseRecord.closed_at >= retry_before)
        return set(self.session.scalars(select(DayCloseRecord.business_date).where(settled)).all())

    def get_or_add(self, business_date: str) -> DayCloseRecord:
        row = self.session.get(DayCloseRecord, business_date)
        if row is None:
            row = DayCloseRecord(business_date=business_date)
            self.session.add(row)
        return row

    def latest(self, limit: int) -> Sequence[DayCloseRecord]:
        return self.session.scalars(
            select(DayCloseRecord).order_by(DayCloseRecord.business_date.desc()).limit(limit)
        ).all()
