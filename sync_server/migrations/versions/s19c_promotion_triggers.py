"""Promotions (issue 16): the promotions each accepted earn received, which the
server counts against a promotion's trigger limit per member (day, week, month or the
program's life) across every terminal.

- ``promotion_triggers``: one row per (earn, promotion), with the member and the
  sale's business day; looked up by (member, promotion). A void of the earn deletes
  its rows. Programs themselves stay JSON in ``programs.body`` (the new ``promotions``
  field needs no column).

Revision ID: s19c
Revises: s19b
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s19c"
down_revision = "s19b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promotion_triggers",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("promotion_code", sa.String(32), primary_key=True),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
    )
    op.create_index(
        "ix_promotion_triggers_member", "promotion_triggers", ["member_id", "promotion_code"]
    )


def downgrade() -> None:
    op.drop_index("ix_promotion_triggers_member", table_name="promotion_triggers")
    op.drop_table("promotion_triggers")
