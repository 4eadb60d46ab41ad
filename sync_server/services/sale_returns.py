"""Returns on the server: the sale a ``sale.returned`` event names, and its records.

The push path's three steps (docs/ARCHITECTURE_push.md) each have a small part here:

- load: :func:`sale_ids` (the sales a batch's returns name, read with the other ledger
  rows the batch needs) and :func:`sale_event` (a stored ledger row as a
  :class:`SaleEvent`); the amounts already returned come from
  ``repositories.sales.returned_cents``;
- decide (pure): the ledger's ``returned`` case applies ``shared.domain.returns`` to a
  :class:`SaleEvent` and records a :class:`SaleReturnRecord`;
- write: :func:`write_returns`, the push writer's sink for those records.

Every return of a sale is an event of the sale's member, whose row the loader locks:
two pushes returning the same sale from two terminals run one after the other, and the
second sees what the first returned.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from shared.protocol import (
    CouponRedeemedData,
    PointsEarnedData,
    PointsRedeemedData,
    SaleReturnedData,
)
from sync_server.repositories import sales as sales_repo


@dataclass(frozen=True, slots=True)
class SaleEvent:
    """One event of a sale, as a return needs it: ``amount_cents`` is the sale's amount
    (an earn's amount, a redemption's sale amount; 0 when unknown), ``points`` the
    points it earned or redeemed."""

    event_id: str
    type: str
    member_id: str
    status: str
    voided_by: str | None
    amount_cents: int
    points: int
    coupon_id: str | None


@dataclass(frozen=True, slots=True)
class SaleReturnRecord:
    """An accepted return, written to ``sale_returns`` by :func:`write_returns`."""

    event_id: str
    sale_event_id: str
    redeemed_event_id: str | None
    member_id: str
    terminal_id: str
    accepted_cents: int
    excess_cents: int
    points_taken: int
    points_given: int
    coupon_restored: bool
    occurred_at: datetime


def sale_ids(data: Iterable[object]) -> set[str]:
    """Every event id the returns among ``data`` name."""
    found: set[str] = set()
    for item in data:
        if isinstance(item, SaleReturnedData):
            found.add(str(item.sale_event_id))
            if item.redeemed_event_id is not None:
                found.add(str(item.redeemed_event_id))
            if item.coupon_event_id is not None:
                found.add(str(item.coupon_event_id))
    return found


def figures(data: object) -> tuple[int, int, str | None]:
    """(sale amount, points, coupon id) of an event's typed data."""
    if isinstance(data, PointsEarnedData):
        return data.amount_cents, data.points, None
    if isinstance(data, PointsRedeemedData):
        return data.sale_amount_cents or 0, data.points, None
    if isinstance(data, CouponRedeemedData):
        return 0, 0, str(data.coupon_id)
    return 0, 0, None


def sale_event(row: Any) -> SaleEvent:
    """A stored ledger row (``events_repo.outcomes_and_targets``) as a sale event."""
    data: dict[str, Any] = json.loads(row.payload).get("data", {})
    amount, points, coupon = 0, 0, None
    if row.type == "points.earned":
        amount, points = int(data.get("amount_cents", 0)), int(data.get("points", 0))
    elif row.type == "points.redeemed":
        amount, points = int(data.get("sale_amount_cents") or 0), int(data.get("points", 0))
    elif row.type == "coupon.redeemed":
        coupon = str(data.get("coupon_id"))
    return SaleEvent(
        event_id=row.event_id,
        type=row.type,
        member_id=row.member_id,
        status=row.status,
        voided_by=row.voided_by,
        amount_cents=amount,
        points=points,
        coupon_id=coupon,
    )


def write_returns(session: Session, records: Sequence[Any]) -> None:
    """The push writer's sink for :class:`SaleReturnRecord`."""
    sales_repo.insert_returns(
        session,
        [
            (
                r.event_id,
                r.sale_event_id,
                r.redeemed_event_id,
                r.member_id,
                r.terminal_id,
                r.accepted_cents,
                r.excess_cents,
                r.points_taken,
                r.points_given,
                r.coupon_restored,
                r.occurred_at,
            )
            for r in records
        ],
    )


SINKS: dict[type, Callable[[Session, Sequence[Any]], None]] = {SaleReturnRecord: write_returns}
