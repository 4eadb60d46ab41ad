"""Head-office read models: day closes and overdrafts, for reconciliation."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from sync_server.db import Database
from sync_server.models import DayClose, LedgerEvent, Member


class ReportService:
    def __init__(self, database: Database) -> None:
        self.database = database

    def day_closes(self, status: str | None = None) -> list[dict[str, Any]]:
        query = select(DayClose).order_by(DayClose.business_date, DayClose.terminal_id)
        if status:
            query = query.where(DayClose.status == status)
        with self.database.read() as session:
            return [
                {
                    "terminal_id": row.terminal_id,
                    "business_date": row.business_date.isoformat(),
                    "status": row.status,
                    "missing_seqs": json.loads(row.missing_seqs),
                    "details": json.loads(row.details),
                    "received_at": row.received_at.isoformat(),
                }
                for row in session.execute(query).scalars()
            ]

    def overdrafts(self) -> list[dict[str, Any]]:
        """Accepted redemptions that took a balance below zero, oldest first."""
        query = (
            select(LedgerEvent, Member.member_code)
            .join(Member, Member.id == LedgerEvent.member_id)
            .where(LedgerEvent.overdraft.is_(True), LedgerEvent.status == "accepted")
            .order_by(LedgerEvent.received_at)
        )
        with self.database.read() as session:
            return [
                {
                    "event_id": event.event_id,
                    "terminal_id": event.terminal_id,
                    "member_code": code,
                    "points": -event.points_delta,
                    "balance_after": event.member_balance,
                    "voided": event.voided_by is not None,
                    "occurred_at": event.occurred_at.isoformat(),
                }
                for event, code in session.execute(query).all()
            ]
