"""Migration s20h makes the chain's rows of what was rolled up before it (a chain view
reads only those) and takes them away again on the way down."""

from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import text

from sync_server.db import Database
from sync_server.migrate import alembic_config
from sync_server.services.admin import AdminService
from sync_server.services.dashboard import DashboardService, Period

_FIGURES = (
    "new_members, tier_members, active_members, points_issued, points_redeemed, "
    "points_adjusted, points_expired, points_returned, balance_delta, sales_count, "
    "sales_cents, redemptions, coupons_used"
)


def test_s20h_makes_the_chains_rows_of_existing_roll_ups(database: Database) -> None:
    admin = AdminService(database)
    admin.add_store("A1", "One")
    admin.add_store("A2", "Two", currency="HKD")
    day = date(2026, 3, 10)
    with database.write_engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "s19e")
        for table, key in (("dash_daily", "business_date"), ("dash_monthly", "month")):
            when = day if table == "dash_daily" else day.replace(day=1)
            for store, issued in (("A1", 100), ("A2", 30)):
                connection.execute(
                    text(
                        f"INSERT INTO {table} (store_code, {key}, tier, {_FIGURES}) "
                        "VALUES (:s, :d, 'member', 1, 1, 1, :p, 0, 0, 0, 0, 0, 1, 500, 0, 0)"
                    ),
                    {"s": store, "d": when, "p": issued},
                )
        for table, key in (("dash_active", "day"), ("dash_active_monthly", "month")):
            when = day if table == "dash_active" else day.replace(day=1)
            for store in ("A1", "A2"):
                connection.execute(
                    text(
                        f"INSERT INTO {table} (store_code, {key}, window_days, delta) "
                        "VALUES (:s, :d, 30, 1)"
                    ),
                    {"s": store, "d": when},
                )
        command.upgrade(config, "head")
    view = DashboardService(database).view(Period(day, day))
    assert view.now.points_issued == 130
    assert view.now.sales_cents == {"CNY": 500, "HKD": 500}
    assert view.now.active_30 == 2
    assert DashboardService(database).view(Period(day, day), "A2").now.points_issued == 30
    with database.write_engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "s19e")
        left = connection.execute(text("SELECT count(*) FROM dash_daily")).scalar()
        command.upgrade(config, "head")
    assert left == 2  # the stores' rows stay, the chain's go
