"""Scheduled program versions (issue 17): each program version a till holds keeps the
time it applies from (NULL: at once, as every version received before this release).

Revision ID: t20f
Revises: t20e
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t20f"
down_revision = "t20e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("program_versions") as batch:
        batch.add_column(sa.Column("effective_from", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("program_versions") as batch:
        batch.drop_column("effective_from")
