"""Member merge (issue 17): head office merges member B into member A.

- ``members.merged_into``: on a merged member (``status = 'merged'``), the id of the
  member that absorbed it. Its code stays on the row, so that nobody is given it again
  and every look-up by it finds the survivor; a push a till made against the merged
  member's id is credited to the survivor.
- ``members.merged_codes``: on the survivor, the codes of the members merged into it
  (their cards, and the cards those members had replaced), space-separated; tills get
  them as ``merged_codes`` and answer a scan of one with the survivor.

Revision ID: s20g
Revises: s20f
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s20g"
down_revision = "s20f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("merged_into", sa.String(36), nullable=True))
    op.add_column("members", sa.Column("merged_codes", sa.Text(), nullable=True))
    op.create_index("ix_members_merged_into", "members", ["merged_into"])


def downgrade() -> None:
    op.drop_index("ix_members_merged_into", table_name="members")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("merged_codes")
        batch.drop_column("merged_into")
