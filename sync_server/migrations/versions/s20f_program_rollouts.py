"""Scheduled and staged program publishing (issue 17): ``program_rollouts`` says where
and from when each published rule version applies (every store or one store; at once or
from a time). Every version published before gets one roll-out: every store, at once,
which is what publishing meant until now.

Revision ID: s20f
Revises: s20e
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "s20f"
down_revision = "s20e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rollouts = op.create_table(
        "program_rollouts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("store_code", sa.String(32), nullable=True),
        sa.Column("effective_from", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_program_rollouts_rule_version", "program_rollouts", ["rule_version"])
    versions = op.get_bind().execute(sa.text("SELECT rule_version FROM programs")).scalars()
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        rollouts,
        [
            {
                "rule_version": version,
                "store_code": None,
                "effective_from": None,
                "created_at": now,
                "created_by": "",
            }
            for version in versions
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_program_rollouts_rule_version", table_name="program_rollouts")
    op.drop_table("program_rollouts")
