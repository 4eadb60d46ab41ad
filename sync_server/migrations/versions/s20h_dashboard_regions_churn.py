"""Dashboard (issue 17, the rest): regions, returns, churn and repeat buyers.

- ``stores.region``: the region head office groups a store in ("" = none); the
  dashboard's scope is the chain, a region or a store.
- ``dash_daily`` / ``dash_monthly``: ``returns`` and ``returned_cents`` (a return's
  amount is also taken off ``sales_cents``), ``at_risk`` (members newly at risk of
  churning that day: their last visit was 90 days before) and ``won_back`` (those of them
  who came back within 30 days).
- the chain's rows in the roll-ups (``"*" + currency`` in ``dash_daily`` and
  ``dash_monthly``, ``"*"`` in ``dash_active`` and ``dash_active_monthly``): a view of the
  chain reads those, through the primary key; made here from the rows rolled up so far;
  ``ix_dash_daily_date`` goes (every view names its stores or the chain's rows).
- ``dash_coupons``: coupons issued per home store, UTC day of issue and title, and how
  many of them are used (the dashboard's coupon usage without reading ``coupons``).
- ``dash_buyer_days``: the business days each member bought (read by the push path to
  keep the 90-day buyers and repeat buyers, ``dash_active`` windows 1090 and 2090).

Rows rolled up before this revision have zeros in the new columns, and coupons issued
before it are not in ``dash_coupons``: run
``sync-server dashboard rebuild`` once after upgrading (docs/DASHBOARD.md).

Revision ID: s20h
Revises: s20g
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s20h"
down_revision = "s20g"
branch_labels = None
depends_on = None

_NEW = ("returns", "returned_cents", "at_risk", "won_back")
_FIGURES = (
    "new_members",
    "tier_members",
    "active_members",
    "points_issued",
    "points_redeemed",
    "points_adjusted",
    "points_expired",
    "points_returned",
    "balance_delta",
    "sales_count",
    "sales_cents",
    "redemptions",
    "coupons_used",
)


def upgrade() -> None:
    op.drop_index("ix_dash_daily_date", table_name="dash_daily")
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("region", sa.String(64), nullable=False, server_default=""))
    for table in ("dash_daily", "dash_monthly"):
        with op.batch_alter_table(table) as batch:
            for name in _NEW:
                batch.add_column(
                    sa.Column(name, sa.BigInteger(), nullable=False, server_default="0")
                )
    # the chain's rows of what is rolled up already (repositories/dashboard.py: CHAIN)
    figures = ", ".join(_FIGURES)
    sums = ", ".join(f"sum(d.{name})" for name in _FIGURES)
    for table, day in (("dash_daily", "business_date"), ("dash_monthly", "month")):
        op.execute(
            f"INSERT INTO {table} (store_code, {day}, tier, {figures}) "  # noqa: S608
            f"SELECT '*' || s.currency, d.{day}, d.tier, {sums} FROM {table} d "
            f"JOIN stores s ON s.code = d.store_code GROUP BY s.currency, d.{day}, d.tier"
        )
    for table, day in (("dash_active", "day"), ("dash_active_monthly", "month")):
        op.execute(
            f"INSERT INTO {table} (store_code, {day}, window_days, delta) "  # noqa: S608
            f"SELECT '*', {day}, window_days, sum(delta) FROM {table} GROUP BY {day}, window_days"
        )
    op.create_table(
        "dash_coupons",
        sa.Column("store_code", sa.String(32), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("title", sa.String(200), primary_key=True),
        sa.Column("issued", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_dash_coupons_day", "dash_coupons", ["day"])
    op.create_table(
        "dash_buyer_days",
        sa.Column("member_id", sa.String(36), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
    )


def downgrade() -> None:
    for table in ("dash_daily", "dash_monthly", "dash_active", "dash_active_monthly"):
        op.execute(f"DELETE FROM {table} WHERE store_code LIKE '*%'")  # noqa: S608
    op.drop_table("dash_buyer_days")
    op.drop_index("ix_dash_coupons_day", table_name="dash_coupons")
    op.drop_table("dash_coupons")
    for table in ("dash_monthly", "dash_daily"):
        with op.batch_alter_table(table) as batch:
            for name in reversed(_NEW):
                batch.drop_column(name)
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("region")
    op.create_index("ix_dash_daily_date", "dash_daily", ["business_date"])
