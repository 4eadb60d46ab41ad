"""What a till shows of a member beyond its replica: the latest transactions at every
till (``GET /v1/members/{id}/summary``, PROTOCOL extension) and the points that will
expire, and when (``shared.domain.program.expiry_schedule``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from shared.domain.program import LoyaltyProgram, expiry_schedule
from shared.errors import NotFound
from shared.protocol import MAX_HISTORY, ExpiringPoints, HistoryItem, MemberSummary
from sync_server.db import Database
from sync_server.repositories import catalog
from sync_server.repositories import events as events_repo
from sync_server.repositories import member_history as repo
from sync_server.services.common import utcnow

EXPIRY_ROWS = 3  # the soonest expiry dates listed


def history_item(row: dict[str, Any]) -> HistoryItem:
    data: dict[str, Any] = {}
    try:
        data = json.loads(row["payload"]).get("data") or {}
    except (ValueError, AttributeError):
        data = {}
    amount = data.get("amount_cents", data.get("sale_amount_cents"))
    return HistoryItem(
        event_id=row["event_id"],
        type=row["type"],
        occurred_at=row["occurred_at"],
        points_delta=int(row["points_delta"] or 0),
        store_code=row["store_code"],
        amount_cents=amount if isinstance(amount, int) else None,
        sale_ref=data.get("sale_ref") if isinstance(data.get("sale_ref"), str) else None,
        voided=row["voided_by"] is not None,
    )


class MemberSummaryService:
    def __init__(self, database: Database) -> None:
        self.database = database

    def summary(
        self, member_id: str, *, limit: int = MAX_HISTORY, now: datetime | None = None
    ) -> MemberSummary:
        now = now or utcnow()
        limit = max(1, min(limit, MAX_HISTORY))
        with self.database.read() as session:
            member = repo.member(session, member_id)
            if member is None or member.status != "active":
                raise NotFound(f"No member {member_id}.", code="unknown_member")
            rows = repo.latest(session, member_id, limit)
            lots = events_repo.credit_lots(session, member_id)
            debited = events_repo.total_debited(session, member_id)
            program_row = catalog.get_program(
                session, catalog.program_version_in_force(session, now)
            )
            assert program_row is not None
            program = LoyaltyProgram.model_validate_json(program_row.body)
            balance = int(member.balance)
        schedule = expiry_schedule(lots, debited, balance, now, program)
        return MemberSummary(
            member_id=member_id,
            as_of=now,
            balance=balance,
            history=[history_item(row) for row in rows],
            expiring=[
                ExpiringPoints(points=points, expires_at=when)
                for when, points in schedule[:EXPIRY_ROWS]
            ],
        )
