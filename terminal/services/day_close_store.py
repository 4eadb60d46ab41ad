"""The replica half of day close: what a business day holds, and which days are closed.

The figures are computed from the outbox payloads (the exact events the server got or
will get) with ``shared.domain.day_totals``, the function the server compares them with.
Every method of ``DayCloseStore`` is one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.domain.day_totals import DayEvent, day_totals
from shared.protocol import DayCloseRequest, DayCloseResponse
from terminal.offline.db import Replica
from terminal.offline.models import DayCloseRecord
from terminal.offline.repositories.day_close import DayCloseRepository


@dataclass(frozen=True, slots=True)
class ClosedDay:
    business_date: str
    status: str
    first_seq: int
    last_seq: int
    missing_seqs: list[int]
    automatic: bool
    closed_at: str


def summarise(business_date: date, payloads: list[dict[str, Any]]) -> DayCloseRequest:
    """PROTOCOL.md's day-close body for the wire events of one business day."""
    totals = day_totals(DayEvent.from_payload(payload) for payload in payloads)
    return DayCloseRequest(
        business_date=business_date,
        first_seq=totals.first_seq,
        last_seq=totals.last_seq,
        counts=totals.counts,
        points_earned=totals.points_earned,
        points_redeemed=totals.points_redeemed,
        amount_cents=totals.amount_cents,
        event_digest=totals.event_digest,
    )


def _closed(row: DayCloseRecord) -> ClosedDay:
    return ClosedDay(
        business_date=row.business_date,
        status=row.status,
        first_seq=row.first_seq,
        last_seq=row.last_seq,
        missing_seqs=[int(s) for s in json.loads(row.missing_seqs)],
        automatic=row.automatic,
        closed_at=row.closed_at,
    )


class DayCloseStore:
    def __init__(self, replica: Replica) -> None:
        self.replica = replica

    def request_for(self, business_date: date) -> DayCloseRequest:
        with self.replica.read() as session:
            rows = DayCloseRepository(session).payloads_of(business_date.isoformat())
        return summarise(business_date, [json.loads(row) for row in rows])

    def days_to_close(self, before: date, retry_before: str | None = None) -> list[date]:
        """Business days before ``before`` with events that were never closed, or whose
        close is still pending and was sent before ``retry_before`` (RFC 3339 text)."""
        with self.replica.read() as session:
            days = DayCloseRepository(session)
            with_events = days.days_with_events(before.isoformat())
            settled = days.settled_days(retry_before)
        return [date.fromisoformat(d) for d in sorted(with_events - settled)]

    def record(
        self,
        request: DayCloseRequest,
        response: DayCloseResponse,
        *,
        automatic: bool,
        closed_at: str,
    ) -> ClosedDay:
        with self.replica.write() as session:
            row = DayCloseRepository(session).get_or_add(request.business_date.isoformat())
            row.first_seq = request.first_seq
            row.last_seq = request.last_seq
            row.request_json = request.model_dump_json()
            row.status = response.status
            row.missing_seqs = json.dumps(response.missing_seqs)
            row.details_json = json.dumps(response.details, ensure_ascii=False)
            row.automatic = automatic
            row.closed_at = closed_at
            session.flush()
            return _closed(row)

    def closed_days(self, limit: int = 60) -> list[ClosedDay]:
        with self.replica.read() as session:
            return [_closed(row) for row in DayCloseRepository(session).latest(limit)]
