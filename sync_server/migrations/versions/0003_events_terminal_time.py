"""events (terminal_id, occurred_at): reconciliation finds a terminal's business days

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_terminal_occurred", "events", ["terminal_id", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_events_terminal_occurred", table_name="events")
