"""Coupons (issue 16): a coupon's terms and the code printed on a paper coupon.

- ``coupons.terms``: ``shared.domain.coupons.CouponTerms`` as JSON (kind, percent and
  cap, free item, minimum spend, valid from and until, stores, currency, stackable);
  empty for a coupon of the original kind (fixed ``value_cents`` until ``expires_at``).
- ``coupons.code``: the code a till types or scans (``CPN:<code>``), unique across the
  chain; empty for a coupon chosen from the member's list only.

Revision ID: s20d
Revises: s19e
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s20d"
down_revision = "s19e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("coupons", sa.Column("terms", sa.Text(), nullable=True))
    op.add_column("coupons", sa.Column("code", sa.String(24), nullable=True))
    op.create_index("ux_coupons_code", "coupons", ["code"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_coupons_code", table_name="coupons")
    with op.batch_alter_table("coupons") as batch:
        batch.drop_column("code")
        batch.drop_column("terms")
