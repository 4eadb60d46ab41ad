"""Manager approvals counted apart from sign-in: staff.approval_failures and
staff.approval_paused_until (wrong approval PINs pause approvals, never lock sign-in);
staff_alerts: what head office is told about (pushed to ``POST /v1/alerts``).

Revision ID: t12a
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t12a"
down_revision = "t11c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(
            sa.Column("approval_failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("approval_paused_until", sa.String(40), nullable=True))
    op.create_table(
        "staff_alerts",
        sa.Column("alert_id", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("staff_id", sa.String(36), nullable=False),
        sa.Column("staff_code", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("pause_seconds", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.String(40), nullable=False),
        sa.Column("sent_at", sa.String(40), nullable=True),
    )
    op.create_index("ix_staff_alerts_unsent", "staff_alerts", ["sent_at"])


def downgrade() -> None:
    op.drop_index("ix_staff_alerts_unsent", table_name="staff_alerts")
    op.drop_table("staff_alerts")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("approval_paused_until")
        batch.drop_column("approval_failures")
