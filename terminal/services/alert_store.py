"""Staff alerts waiting for head office (``staff_alerts``): read and settled by the sync
engine (its ``AlertPort``), which sends each with ``POST /v1/alerts`` after pushing
events. Each method is one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from shared.protocol import StaffAlertRequest
from terminal.offline.clock import from_text, to_text
from terminal.offline.db import Replica
from terminal.offline.repositories.alerts import AlertRepository


class AlertStore:
    def __init__(
        self, replica: Replica, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.replica = replica
        self.clock = clock

    def unsent(self, limit: int = 50) -> list[StaffAlertRequest]:
        with self.replica.read() as session:
            rows = AlertRepository(session).unsent(limit)
            return [
                StaffAlertRequest.model_validate(
                    {
                        "alert_id": row.alert_id,
                        "type": row.type,
                        "occurred_at": from_text(row.occurred_at),
                        "staff_id": row.staff_id,
                        "staff_code": row.staff_code,
                        "attempts": row.attempts,
                        "pause_seconds": row.pause_seconds,
                    }
                )
                for row in rows
            ]

    def mark_sent(self, alert_id: str) -> None:
        with self.replica.write() as session:
            AlertRepository(session).mark_sent(alert_id, to_text(self.clock()))
