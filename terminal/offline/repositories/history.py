"""Members' history and expiring points as head office last listed them (bounded)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from shared.protocol import MemberSummary
from terminal.offline.clock import to_text
from terminal.offline.models import HistoryRow, SummaryRow

KEPT_PER_MEMBER = 20  # a member's latest transactions kept here
KEPT_MEMBERS = 500  # the members last looked up whose history is kept


class HistoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def save(self, summary: MemberSummary) -> None:
        """Replace what the replica holds of this member's history; the members looked
        up longest ago go when more than ``KEPT_MEMBERS`` are held."""
        member_id = summary.member_id
        self.session.execute(delete(HistoryRow).where(HistoryRow.member_id == member_id))
        for item in summary.history[:KEPT_PER_MEMBER]:
            self.session.merge(
                HistoryRow(
                    event_id=item.event_id,
                    member_id=member_id,
                    type=item.type,
                    occurred_at=to_text(item.occurred_at),
                    points_delta=item.points_delta,
                    amount_cents=item.amount_cents,
                    sale_ref=item.sale_ref,
                    store_code=item.store_code,
                    voided=item.voided,
                )
            )
        expiring = [[to_text(e.expires_at), e.points] for e in summary.expiring]
        self.session.merge(
            SummaryRow(
                member_id=member_id,
                as_of=to_text(summary.as_of),
                expiring_json=json.dumps(expiring),
            )
        )
        self.session.flush()
        held = self.session.scalar(select(func.count()).select_from(SummaryRow)) or 0
        if held > KEPT_MEMBERS:
            oldest = (
                select(SummaryRow.member_id).order_by(SummaryRow.as_of).limit(held - KEPT_MEMBERS)
            )
            gone = list(self.session.scalars(oldest))
            self.session.execute(delete(HistoryRow).where(HistoryRow.member_id.in_(gone)))
            self.session.execute(delete(SummaryRow).where(SummaryRow.member_id.in_(gone)))

    def history(self, member_id: str) -> list[HistoryRow]:
        return list(
            self.session.scalars(
                select(HistoryRow)
                .where(HistoryRow.member_id == member_id)
                .order_by(HistoryRow.occurred_at.desc(), HistoryRow.event_id.desc())
            )
        )

    def sale_rows(self, sale_ref: str) -> list[HistoryRow]:
        """The rows held of one receipt number, every member's (a scan of at most
        ``KEPT_MEMBERS * KEPT_PER_MEMBER`` rows: only an offline return asks)."""
        return list(
            self.session.scalars(
                select(HistoryRow)
                .where(HistoryRow.sale_ref == sale_ref)
                .order_by(HistoryRow.occurred_at, HistoryRow.event_id)
            )
        )

    def summary(self, member_id: str) -> tuple[datetime, list[tuple[datetime, int]]] | None:
        """(as of, [(expires_at, points)]) of the member's last listing, or None."""
        row = self.session.get(SummaryRow, member_id)
        if row is None:
            return None
        expiring = [
            (datetime.fromisoformat(when), int(points))
            for when, points in json.loads(row.expiring_json)
        ]
        return datetime.fromisoformat(row.as_of), expiring
