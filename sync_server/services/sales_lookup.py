"""Find a sale by its receipt number, at any store (``GET /v1/sales``): what an online
till needs to return it (docs/SYNC_SERVER.md, "Returns")."""

from __future__ import annotations

import json
from typing import Any

from shared.protocol import SaleFound
from sync_server.db import Database
from sync_server.repositories import sales as sales_repo

MAX_SALES = 20  # a receipt number typed at many tills (each its own sale)


class SaleLookup:
    def __init__(self, database: Database) -> None:
        self.database = database

    def find(self, sale_ref: str) -> list[SaleFound]:
        """The sales with this receipt number: a sale is the earn, redemption and coupon
        events one till recorded for one member under it."""
        with self.database.read() as session:
            rows = sales_repo.events_of_receipt(session, sale_ref, MAX_SALES * 3)
            groups: dict[tuple[str, str | None], dict[str, Any]] = {}
            for row in rows:
                group = groups.setdefault((row.member_id, row.terminal_id), {"rows": []})
                group["rows"].append(row)
            sales = [sale for g in groups.values() if (sale := _sale(sale_ref, g["rows"]))]
            returned = sales_repo.returned_cents(session, {str(s.sale_event_id) for s in sales})
        return [
            s.model_copy(update={"returned_cents": returned.get(str(s.sale_event_id), 0)})
            for s in sales[:MAX_SALES]
        ]


def _sale(sale_ref: str, rows: list[Any]) -> SaleFound | None:
    by_type = {row.type: row for row in rows}
    earn = by_type.get("points.earned")
    redeem = by_type.get("points.redeemed")
    coupon = by_type.get("coupon.redeemed")
    key = earn if earn is not None else redeem
    if key is None:
        return None  # a coupon alone: no amount to return against
    data = {row.type: json.loads(row.payload).get("data", {}) for row in rows}
    amount = int(data["points.earned"]["amount_cents"]) if earn is not None else 0
    if not amount and redeem is not None:
        amount = int(data["points.redeemed"].get("sale_amount_cents") or 0)
    if not amount:
        return None
    return SaleFound(
        sale_ref=sale_ref,
        sale_event_id=key.event_id,
        member_id=key.member_id,
        member_code=key.member_code,
        member_name=key.name,
        store_code=key.store_code,
        terminal_id=key.terminal_id,
        occurred_at=key.occurred_at,
        amount_cents=amount,
        points_earned=int(data["points.earned"]["points"]) if earn is not None else 0,
        redeemed_event_id=redeem.event_id if redeem is not None else None,
        points_redeemed=(
            int(data["points.redeemed"]["points"])
            if redeem is not None and redeem.voided_by is None
            else 0
        ),
        coupon_event_id=coupon.event_id if coupon is not None else None,
        coupon_id=data["coupon.redeemed"]["coupon_id"] if coupon is not None else None,
        voided=key.voided_by is not None,
    )
