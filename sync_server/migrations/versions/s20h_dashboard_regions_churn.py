"""Dashboard (issue 17, the rest): regions, returns, churn and repeat buyers.

- ``stores.region``: the region head office groups a store in ("" = none); the
  dashboard's scope is the chain, a region or a store.
- ``dash_daily`` / ``dash_monthly``: ``returns`` and ``returned_cents`` (a return's
  amount is also taken off ``sales_cents``), ``at_risk`` (members newly at risk of
  churning that day: their last visit was 90 days before) and ``won_back`` (those of them
  who came back within 30 days).
- the chain's rows in the roll-ups (``"*" + currency`` in ``dash_daily`` and
  ``dash_monthly``, ``"*"`` in ``dash_active`` and ``dash_active_monthly``): a view of the
  chain reads those, through the primary key; ``ix_dash_daily_date`` goes (every view
  names its stores or the chain's rows).
- ``dash_coupons``: coupons issued per home store, UTC day of issue and title, and how
  many of them are used (the dashboard's coupon usage without reading ``coupons``).
- ``dash_buyer_days``: the business days each member bought (read by the push path to
  keep the 90-day buyers and repeat buyers, ``dash_active`` windows 1090 and 2090).

Rows rolled up before this revision have zeros in the new columns, and coupons issued
before it are not in ``dash_coupons``: run
``sync-server dashboard rebuild`` once after upgrading (docs/DASHBOARD.md).

Revision ID: s20h
Revises: s19e
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s20h"
down_revision = "s19e"
branch_labels = None
depends_on = None

_NEW = ("returns", "returned_cents", "at_risk", "won_back")


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
