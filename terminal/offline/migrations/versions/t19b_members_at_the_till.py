"""Members at the till (issue 15).

- ``retired_codes``: the codes of members' replaced cards (from the server's
  ``previous_codes``, or replaced here): a scan of an old card says it was replaced.
- ``member_history`` and ``member_summaries``: a member's latest transactions at every
  till and the points that will expire, as head office last listed them (bounded: a few
  rows for each of the members last looked up).

Revision ID: t19b
Revises: t12a
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t19b"
down_revision = "t12a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retired_codes",
        sa.Column("member_code", sa.String(16), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("member_code", name="pk_retired_codes"),
    )
    op.create_index("ix_retired_codes_member_id", "retired_codes", ["member_id"])
    op.create_table(
        "member_history",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("occurred_at", sa.String(40), nullable=False),
        sa.Column("points_delta", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("sale_ref", sa.String(200), nullable=True),
        sa.Column("store_code", sa.String(32), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_member_history"),
    )
    op.create_index("ix_member_history_member_id", "member_history", ["member_id"])
    op.create_table(
        "member_summaries",
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("as_of", sa.String(40), nullable=False),
        sa.Column("expiring_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name="pk_member_summaries"),
    )
    op.create_index("ix_member_summaries_as_of", "member_summaries", ["as_of"])


def downgrade() -> None:
    op.drop_index("ix_member_summaries_as_of", table_name="member_summaries")
    op.drop_table("member_summaries")
    op.drop_index("ix_member_history_member_id", table_name="member_history")
    op.drop_table("member_history")
    op.drop_index("ix_retired_codes_member_id", table_name="retired_codes")
    op.drop_table("retired_codes")
