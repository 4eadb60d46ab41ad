"""Tier qualification by period (issue 16, tier rules).

- ``members.tier_points``: the member's earned points per calendar month (UTC) that can
  still count toward a tier (``shared.domain.tier_rules``: ``"24311:120 24312:40"``);
  empty for a lifetime program and for members from before this revision.
- ``members.tier_until``: the last day the member's tier is kept (none: not lost by
  time); ``sync-server tiers review`` lowers the tier of members past it.

Revision ID: s20e
Revises: s20d
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s20e"
down_revision = "s20d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("tier_points", sa.String(1000), nullable=True))
    op.add_column("members", sa.Column("tier_until", sa.Date(), nullable=True))
    op.create_index("ix_members_tier_until", "members", ["tier_until"])


def downgrade() -> None:
    op.drop_index("ix_members_tier_until", table_name="members")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("tier_until")
        batch.drop_column("tier_points")
