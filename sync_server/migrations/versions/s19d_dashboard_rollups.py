"""Dashboard (issue 17): daily roll-ups kept by the push path, so that the dashboard
never scans the ledger (docs/DASHBOARD.md).

- ``dash_daily``: per store, business day and tier: new members, members
  entering or leaving the tier, daily active members, points issued, redeemed,
  adjusted, expired, returned, the balance's change, sales and their amount,
  redemptions, coupons used.
- ``dash_monthly``: the same per calendar month (long ranges, and the sums of
  everything before a day: members, the balance).
- ``dash_active``: per home store, day and window (30, 90 days): the change in the
  number of members active within the window (the count is the running sum);
  ``dash_active_monthly`` the same per month.
- ``dash_member_days``: the business days each member was active (what the push path
  reads to find a visit's neighbours).
- ``ix_coupons_created_at``: coupons issued in a date range (coupon usage).

Existing ledgers are rolled up by ``sync-server dashboard rebuild`` (docs/DASHBOARD.md).

Revision ID: s19d
Revises: s19a
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s19d"
down_revision = "s19a"
branch_labels = None
depends_on = None

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
    op.create_table(
        "dash_daily",
        sa.Column("store_code", sa.String(32), primary_key=True),
        sa.Column("business_date", sa.Date(), primary_key=True),
        sa.Column("tier", sa.String(32), primary_key=True),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in _FIGURES),
    )
    op.create_index("ix_dash_daily_date", "dash_daily", ["business_date"])
    op.create_table(
        "dash_monthly",
        sa.Column("store_code", sa.String(32), primary_key=True),
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("tier", sa.String(32), primary_key=True),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in _FIGURES),
    )
    op.create_table(
        "dash_active",
        sa.Column("store_code", sa.String(32), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("window_days", sa.Integer(), primary_key=True),
        sa.Column("delta", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "dash_active_monthly",
        sa.Column("store_code", sa.String(32), primary_key=True),
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("window_days", sa.Integer(), primary_key=True),
        sa.Column("delta", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "dash_member_days",
        sa.Column("member_id", sa.String(36), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
    )
    op.create_index("ix_coupons_created_at", "coupons", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_coupons_created_at", table_name="coupons")
    op.drop_table("dash_member_days")
    op.drop_table("dash_active_monthly")
    op.drop_table("dash_active")
    op.drop_table("dash_monthly")
    op.drop_index("ix_dash_daily_date", table_name="dash_daily")
    op.drop_table("dash_daily")
