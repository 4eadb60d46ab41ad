"""Tier qualification by period (issue 16, tier rules): the member's monthly earned
totals that still count toward a tier, as the server sends them (``tier_points``,
``shared.domain.tier_rules``); the till computes the tier and the last day it is kept
from them and its own pending earns. Empty for a lifetime program.

Revision ID: t20e
Revises: t20d
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t20e"
down_revision = "t20d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("tier_points", sa.String(1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("tier_points")
