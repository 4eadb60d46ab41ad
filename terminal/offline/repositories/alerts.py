"""Staff alerts waiting for head office (``staff_alerts``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from terminal.offline.models import StaffAlert


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, alert: StaffAlert) -> None:
        self.session.add(alert)

    def unsent(self, limit: int) -> Sequence[StaffAlert]:
        """The oldest alerts not delivered yet."""
        return self.session.scalars(
            select(StaffAlert)
            .where(StaffAlert.sent_at.is_(None))
            .order_by(StaffAlert.occurred_at)
            .limit(limit)
        ).all()

    def mark_sent(self, alert_id: str, at: str) -> None:
        row = self.session.get(StaffAlert, alert_id)
        if row is not None:
            row.sent_at = at
