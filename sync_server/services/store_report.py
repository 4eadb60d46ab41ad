"""A store's figures across all its tills, by business date (``GET /v1/store-report``):
what a manager's report shows when the till is online (docs/RETURNS.md, "Store-wide
reports"). The same counting as the till's own report (terminal.services.reports):
events that stand (accepted, not voided); a voided event and its void cancel out, and
the void is counted under ``voids``."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from shared.domain.business_day import business_date
from shared.errors import NotFound, ValidationFailed
from shared.protocol import StoreFigures, StoreReport
from sync_server.db import Database
from sync_server.repositories import catalog
from sync_server.repositories import sales as sales_repo

MAX_DAYS = 92
TRANSACTIONS = ("points.earned", "points.redeemed", "coupon.redeemed")


class StoreReportService:
    def __init__(self, database: Database) -> None:
        self.database = database

    def report(self, store_code: str, date_from: date, date_to: date) -> StoreReport:
        if date_from > date_to:
            raise ValidationFailed("The report starts after it ends.", code="invalid_input")
        if (date_to - date_from).days >= MAX_DAYS:
            raise ValidationFailed(
                f"A store report covers at most {MAX_DAYS} days.",
                code="invalid_input",
                max_days=MAX_DAYS,
            )
        # every moment whose business date may fall in the range, whatever the zone
        since = datetime.combine(date_from - timedelta(days=2), time(), UTC)
        until = datetime.combine(date_to + timedelta(days=3), time(), UTC)
        with self.database.read() as session:
            store = catalog.get_store(session, store_code)
            if store is None:
                raise NotFound(f"No store {store_code}.", code="unknown_store")
            zone, closing = store.timezone, store.closing_time
            rows = sales_repo.store_events(session, store_code, since, until)
        days: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        tills: set[str] = set()
        for row in rows:
            day = business_date(row.occurred_at, zone, closing)
            if not date_from <= day <= date_to:
                continue
            tills.add(str(row.terminal_id))
            figures = days[day]
            kind = row.type
            if kind == "event.voided":
                figures["voids"] += 1
                continue
            if row.voided_by is not None:
                continue  # cancelled by its void
            if kind in TRANSACTIONS:
                figures["transactions"] += 1
            if kind == "points.earned":
                figures["points_earned"] += int(row.points_delta)
                data = json.loads(row.payload).get("data", {})
                figures["member_sales_cents"] += int(data.get("amount_cents", 0))
            elif kind == "points.redeemed":
                figures["points_redeemed"] -= int(row.points_delta)
            elif kind == "member.enrolled":
                figures["enrollments"] += 1
            elif kind == "points.adjusted":
                figures["adjustments"] += 1
                figures["points_adjusted"] += int(row.points_delta)
            elif kind == "sale.returned":
                figures["returns"] += 1
                figures["returned_cents"] += int(row.accepted_cents or 0)
        listed = [StoreFigures(business_date=day, **days[day]) for day in sorted(days)]
        total: dict[str, int] = defaultdict(int)
        for figures_of_day in days.values():
            for name, value in figures_of_day.items():
                total[name] += value
        return StoreReport(
            store_code=store_code,
            date_from=date_from,
            date_to=date_to,
            terminals=len(tills),
            total=StoreFigures(**total),
            days=listed,
        )
