"""Console (issue 17): each console account's language, stores that can be
deactivated, and the indexes the console's keyset-paged lists need at a million members.

- ``admin_accounts.language``: ``en`` or ``zh_CN`` (the console's pages in that language).
- ``stores.active``: a deactivated store takes no new terminals or staff.
- Member lists are paged by keyset on (sort column, member_code): an index per sort
  (name, enrolment time) and per filter (store, tier), and one on the phone's last 4
  digits (search). No index on ``balance``: every earn changes it, and an index would
  cost the push path an index update per sale (and PostgreSQL its HOT updates).
- A member's history is paged on (occurred_at, event_id) within the member.
- PostgreSQL: ``lower(name) text_pattern_ops`` for the name search (a prefix, case aside;
  SQLite ranges over the (name, member_code) index instead).

Revision ID: s17a
Revises: s11c
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s17a"
down_revision = "s11c"
branch_labels = None
depends_on = None

_MEMBER_INDEXES = {
    "ix_members_name_code": ["name", "member_code"],
    "ix_members_enrolled_code": ["enrolled_at", "member_code"],
    "ix_members_store_code": ["store_code", "member_code"],
    "ix_members_tier_code": ["tier", "member_code"],
    "ix_members_phone_last4": ["phone_last4"],
}


def upgrade() -> None:
    op.add_column(
        "admin_accounts",
        sa.Column("language", sa.String(16), nullable=False, server_default="en"),
    )
    op.add_column(
        "stores", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    for name, columns in _MEMBER_INDEXES.items():
        op.create_index(name, "members", columns)
    op.create_index("ix_events_member_occurred", "events", ["member_id", "occurred_at", "event_id"])
    if op.get_bind().dialect.name == "postgresql":  # name search by prefix, case aside
        op.execute(
            "CREATE INDEX ix_members_name_lower_prefix ON members (lower(name) text_pattern_ops)"
        )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_members_name_lower_prefix")
    op.drop_index("ix_events_member_occurred", table_name="events")
    for name in _MEMBER_INDEXES:
        op.drop_index(name, table_name="members")
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("active")
    with op.batch_alter_table("admin_accounts") as batch:
        batch.drop_column("language")
