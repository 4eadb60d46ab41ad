"""Members at the till (issue 15): when marketing consent was given or withdrawn, and
the codes of a member's replaced (lost) cards.

- ``members.consent_marketing_at``: the time of the enrolment or ``member.updated`` that
  last answered the consent question; empty for members from before this revision.
- ``members.previous_codes``: replaced card codes, newest first, space-separated (at most
  ten); tills get them as ``previous_codes`` and answer a scan of one with "replaced".

Revision ID: s19b
Revises: s17a
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s19b"
down_revision = "s17a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("consent_marketing_at", sa.DateTime(), nullable=True))
    op.add_column(
        "members",
        sa.Column("previous_codes", sa.String(200), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("previous_codes")
        batch.drop_column("consent_marketing_at")
