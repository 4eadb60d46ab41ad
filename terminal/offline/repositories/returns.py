"""What a return needs of this till's own events: its sales by receipt number (voided
ones too) and how much of a sale has been returned here."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from terminal.offline.models import LocalEvent, OutboxRow

SALE_TYPES = ("points.earned", "points.redeemed", "coupon.redeemed")
RETURNED = "sale.returned"


class ReturnRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def sale_events(self, sale_ref: str) -> Sequence[LocalEvent]:
        """This till's earn, redemption and coupon events of the receipt, not rejected.
        The receipt number is read from the wire payload: a void clears ``sale_ref`` (so
        that a sale can be rung up again) and a coupon's event never had one."""
        pattern = "%" + json.dumps({"sale_ref": sale_ref}, ensure_ascii=False)[1:-1] + "%"
        rows = self.session.scalars(
            select(LocalEvent)
            .join(OutboxRow, OutboxRow.event_id == LocalEvent.event_id)
            .where(
                LocalEvent.type.in_(SALE_TYPES),
                LocalEvent.status != "rejected",
                OutboxRow.payload.like(pattern),
            )
            .order_by(LocalEvent.seq)
        ).all()
        return [row for row in rows if self._ref_of(row.event_id) == sale_ref]

    def _ref_of(self, event_id: str) -> str | None:
        payload = self.session.scalar(
            select(OutboxRow.payload).where(OutboxRow.event_id == event_id)
        )
        if payload is None:
            return None
        ref = json.loads(payload).get("data", {}).get("sale_ref")
        return str(ref) if ref is not None else None

    def sale_returned_here(self, event: LocalEvent) -> bool:
        """Whether part of the sale of this earn or redemption was returned here."""
        if self.returned_here(event.event_id) > 0:
            return True
        if event.type != "points.redeemed" or not event.sale_ref:
            return False
        earn = self.session.scalars(
            select(LocalEvent).where(
                LocalEvent.member_id == event.member_id,
                LocalEvent.type == "points.earned",
                LocalEvent.sale_ref == event.sale_ref,
            )
        ).first()
        return earn is not None and self.returned_here(earn.event_id) > 0

    def returned_here(self, sale_event_id: str, *, pending_only: bool = False) -> int:
        """Cents of the sale returned at this till (not rejected; or only unsent ones)."""
        statuses = ("pending",) if pending_only else ("pending", "acknowledged")
        total = self.session.scalar(
            select(func.coalesce(func.sum(LocalEvent.amount_cents), 0)).where(
                LocalEvent.type == RETURNED,
                LocalEvent.returned_event_id == sale_event_id,
                LocalEvent.status.in_(statuses),
            )
        )
        return int(total or 0)
