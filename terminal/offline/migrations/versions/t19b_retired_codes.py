"""Lost cards (issue 15): ``retired_codes`` holds the codes of members' replaced cards
(from the server's ``previous_codes``, or replaced here), so that a scan of an old card
says it was replaced.

Revision ID: t19b
Revises: t12a
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t19b"
down_revision = "t12a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retired_codes",
        sa.Column("member_code", sa.String(16), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("member_code", name="pk_retired_codes"),
    )
    op.create_index("ix_retired_codes_member_id", "retired_codes", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_retired_codes_member_id", table_name="retired_codes")
    op.drop_table("retired_codes")
