"""A member's history and expiring points at the till.

Head office's listing (``GET /v1/members/{id}/summary``), kept bounded on the replica
(``HistoryRepository``), merged with this till's own events it does not list yet (not
synced, or made after it was asked). Offline, the till shows what it has and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from terminal.offline.repositories import EventRepository
from terminal.offline.repositories.history import HistoryRepository

MAX_LINES = 50


@dataclass(frozen=True, slots=True)
class HistoryLine:
    event_id: str
    type: str
    occurred_at: str  # RFC 3339, UTC
    points_delta: int
    amount_cents: int | None
    sale_ref: str | None
    store_code: str | None  # None: this till's own, not yet listed by head office
    voided: bool
    pending: bool  # this till's, not yet acknowledged by head office


@dataclass(frozen=True, slots=True)
class AccountView:
    member_id: str
    lines: tuple[HistoryLine, ...]
    as_of: datetime | None  # when head office listed it; None: never, here
    expiring: tuple[tuple[datetime, int], ...]  # (expires_at, points), soonest first


def account_view(session: Session, member_id: str, *, limit: int = MAX_LINES) -> AccountView:
    history = HistoryRepository(session)
    listed = history.history(member_id)
    summary = history.summary(member_id)
    seen = {row.event_id for row in listed}
    lines = [
        HistoryLine(
            row.event_id,
            row.type,
            row.occurred_at,
            row.points_delta,
            row.amount_cents,
            row.sale_ref,
            row.store_code,
            row.voided,
            pending=False,
        )
        for row in listed
    ]
    for event in EventRepository(session).for_member(member_id, limit=limit):
        if event.event_id in seen or event.status == "rejected":
            continue
        lines.append(
            HistoryLine(
                event.event_id,
                event.type,
                event.occurred_at,
                event.points_delta,
                event.amount_cents,
                event.sale_ref,
                None,
                event.voided_by is not None,
                pending=event.status == "pending",
            )
        )
    lines.sort(key=lambda line: (line.occurred_at, line.event_id), reverse=True)
    as_of, expiring = summary if summary is not None else (None, [])
    return AccountView(member_id, tuple(lines[:limit]), as_of, tuple(expiring))
