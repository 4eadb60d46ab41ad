"""terminal_state.language: the UI language chosen on this terminal (NULL: the store's).

Reports aggregate ``local_events`` by business date with the existing
``ix_local_events_business_date (business_date, member_id)`` index: a range seek, so no
new index is needed for them.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("terminal_state") as batch:
        batch.add_column(sa.Column("language", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("terminal_state") as batch:
        batch.drop_column("language")
