"""Returns (issue 15): ``local_events.returned_event_id``, the sale event a
``sale.returned`` event names, so that the till knows how much of each of its sales has
been returned here (several partial returns of one sale are allowed; their receipt
number stays off ``sale_ref``, whose uniqueness is one earn or redemption per sale).

Revision ID: t19a
Revises: t19c
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t19a"
down_revision = "t19c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("local_events") as batch:
        batch.add_column(sa.Column("returned_event_id", sa.String(36), nullable=True))
        batch.create_index("ix_local_events_returned", ["returned_event_id"])


def downgrade() -> None:
    with op.batch_alter_table("local_events") as batch:
        batch.drop_index("ix_local_events_returned")
        batch.drop_column("returned_event_id")
