"""day_closes: the business days this terminal closed and what the server answered.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "day_closes",
        sa.Column("business_date", sa.String(10), primary_key=True),
        sa.Column("first_seq", sa.Integer, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("request_json", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("missing_seqs", sa.Text, nullable=False, server_default="[]"),
        sa.Column("details_json", sa.Text, nullable=True),
        sa.Column("automatic", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("closed_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("day_closes")
