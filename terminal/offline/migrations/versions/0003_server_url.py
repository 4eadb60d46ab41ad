"""terminal_state.server_url: the sync server this terminal was paired with.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("terminal_state") as batch:
        batch.add_column(sa.Column("server_url", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("terminal_state") as batch:
        batch.drop_column("server_url")
