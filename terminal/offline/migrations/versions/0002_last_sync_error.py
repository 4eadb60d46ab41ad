"""terminal_state.last_sync_error: what the last failed sync cycle reported.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("terminal_state") as batch:
        batch.add_column(sa.Column("last_sync_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("terminal_state") as batch:
        batch.drop_column("last_sync_error")
