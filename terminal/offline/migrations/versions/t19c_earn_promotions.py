"""Promotions (issue 16): the promotions each of this till's earns received, so that
the till counts a member's trigger limits while offline (the server counts every
till's and settles the rest).

Revision ID: t19c
Revises: t19b
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t19c"
down_revision = "t19b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "earn_promotions",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("business_date", sa.String(10), nullable=False),
    )
    op.create_index("ix_earn_promotions_member", "earn_promotions", ["member_id", "code"])


def downgrade() -> None:
    op.drop_index("ix_earn_promotions_member", table_name="earn_promotions")
    op.drop_table("earn_promotions")
