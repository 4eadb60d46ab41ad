"""The till's own report counts its returns: how many, the amount returned, the points
they moved and the earned points they took back, on the business date of each return;
a return head office rejected does not count (terminal/services/reports.py)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import event

from shared.protocol import PushResult
from terminal.offline.repositories.reports import ReportRepository
from tests.terminal.conftest import Till

DAY = date(2026, 3, 10)  # the till's clock starts at 12:00 Shanghai time on this day
NEXT = date(2026, 3, 11)


def test_returns_are_counted_on_their_day_with_the_points_they_took_back(till: Till) -> None:
    cashier, manager = till.cashier(), till.manager()
    member_id = till.seed.members[0].member_id
    sales = till.services.sales
    earned = sales.earn(cashier, member_id, amount_cents=20_000, sale_ref="RR-1").points_delta
    sales.redeem(cashier, member_id, points=100, sale_amount_cents=20_000, sale_ref="RR-1")
    (sale,) = till.services.returns.find("RR-1").sales
    first = till.services.returns.return_sale(cashier, sale, amount_cents=5_000)
    till.clock.advance(days=1)
    rest = till.services.returns.return_sale(cashier, first.sale)  # the other 15,000
    refused_sale = sales.earn(cashier, member_id, amount_cents=4_000, sale_ref="RR-2")
    (other,) = till.services.returns.find("RR-2").sales
    refused = till.services.returns.return_sale(cashier, other)
    till.sync.apply_push_results(
        [
            PushResult(
                event_id=uuid.UUID(refused.receipt.event_id),
                status="rejected",
                code="unknown_sale",
            )
        ]
    )

    day = till.services.reports.summary(manager, DAY, DAY)
    assert (day.returns, day.returned_cents) == (1, 5_000)
    assert day.points_taken_back == first.effect.points_taken == earned * 5_000 // 20_000
    assert day.points_returned == first.effect.points_given - first.effect.points_taken
    # The sale itself keeps its figures on its day.
    assert (day.member_sales_cents, day.points_earned, day.points_redeemed) == (20_000, earned, 100)

    next_day = till.services.reports.summary(manager, NEXT, NEXT)
    assert (next_day.returns, next_day.returned_cents) == (1, 15_000)
    assert next_day.points_taken_back == rest.effect.points_taken
    assert next_day.points_earned == refused_sale.points_delta

    both = till.services.reports.summary(manager, DAY, NEXT)
    assert (both.returns, both.returned_cents, both.points_taken_back) == (2, 20_000, earned)
    assert both.points_returned == 100 - earned  # the whole redemption given back


def test_points_taken_back_are_read_through_the_returns_index(till: Till) -> None:
    """The returns' own index, not the range's rows: the covering index keeps the rest."""
    seen: list[tuple[str, object]] = []

    def capture(conn: object, cursor: object, sql: str, params: object, *_: object) -> None:
        seen.append((sql, params))

    with till.replica.read() as session:
        event.listen(till.replica.engine, "before_cursor_execute", capture)
        try:
            assert ReportRepository(session).points_taken_back("2026-03-01", "2026-03-31") == 0
        finally:
            event.remove(till.replica.engine, "before_cursor_execute", capture)
        ((sql, params),) = [(q, p) for q, p in seen if "local_events" in q]
        plan = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
    details = " | ".join(str(row[-1]) for row in plan)
    assert "INDEX ix_local_events_returned" in details, details
    assert "ix_local_events_report" not in details, details
