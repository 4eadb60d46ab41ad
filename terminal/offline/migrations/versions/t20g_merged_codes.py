"""Member merge (issue 17): ``retired_codes.merged``. A code retired because head office
merged its member into another (``merged_codes`` of the survivor, or the data of the
merged member's ``delete``) is answered with the survivor, with a note, instead of
"this card was replaced".

Revision ID: t20g
Revises: t20f
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t20g"
down_revision = "t20f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("retired_codes") as batch:
        batch.add_column(
            sa.Column("merged", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("retired_codes") as batch:
        batch.drop_column("merged")
