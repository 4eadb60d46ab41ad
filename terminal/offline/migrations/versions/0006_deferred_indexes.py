"""deferred_indexes: secondary indexes dropped while a bootstrap bulk-loads the members,
with their DDL, so that they are built again even if the bootstrap is interrupted.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deferred_indexes",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("ddl", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("deferred_indexes")
