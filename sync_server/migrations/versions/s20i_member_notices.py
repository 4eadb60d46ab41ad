"""Notices sent about a member or a terminal (issue 18): one row per (kind, subject,
key), so that a webhook like ``points.expiring`` or ``member.churn_risk`` goes out once
per occasion however often the maintenance run looks; and the partner API's requests per
key and minute across server processes (``partner_rate_windows``).

Revision ID: s20i
Revises: s20h
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s20i"
down_revision = "s20h"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices_sent",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("subject_id", sa.String(36), primary_key=True),
        sa.Column("occasion", sa.String(40), primary_key=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
    )

    op.create_table(
        "partner_rate_windows",
        sa.Column("key_id", sa.String(36), primary_key=True),
        sa.Column("minute", sa.BigInteger(), primary_key=True),
        sa.Column("used", sa.BigInteger(), nullable=False),
    )
    # The delivery worker reads each endpoint's oldest pending deliveries in id order.
    op.create_index(
        "ix_webhook_deliveries_endpoint_oldest",
        "webhook_deliveries",
        ["status", "endpoint_id", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_endpoint_oldest", "webhook_deliveries")
    op.drop_table("partner_rate_windows")
    op.drop_table("notices_sent")
