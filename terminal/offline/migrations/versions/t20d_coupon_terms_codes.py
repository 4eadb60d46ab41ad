"""Coupons (issue 16): the terms of a coupon and its paper code, as the server sends
them (``terms`` JSON, ``code``), so that the till checks a coupon offline and finds it
by the code typed or scanned; ``used_sale_ref``, the receipt this till used a coupon on
(the till refuses a second coupon on one sale unless both stack).

Revision ID: t20d
Revises: t19a
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t20d"
down_revision = "t19a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("coupons", sa.Column("terms", sa.Text(), nullable=True))
    op.add_column("coupons", sa.Column("code", sa.String(24), nullable=True))
    op.add_column("coupons", sa.Column("used_sale_ref", sa.String(200), nullable=True))
    op.create_index("ix_coupons_code", "coupons", ["code"])


def downgrade() -> None:
    op.drop_index("ix_coupons_code", table_name="coupons")
    with op.batch_alter_table("coupons") as batch:
        batch.drop_column("used_sale_ref")
        batch.drop_column("code")
        batch.drop_column("terms")
