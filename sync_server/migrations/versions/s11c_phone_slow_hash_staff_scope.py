"""members.phone_slow_hash (a stolen till leaks no full phone); changes.store_code (a
till receives its own store's staff only)

Existing members get their slow hash from ``sync-server phones backfill`` (argon2id per
member is too slow for a migration of a million rows); until then their pulled data
carries an empty one and tills find them by the last 4 digits and name only.

Revision ID: s11c
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s11c"
down_revision = "s11b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "members", sa.Column("phone_slow_hash", sa.String(64), nullable=False, server_default="")
    )
    op.add_column("changes", sa.Column("store_code", sa.String(32), nullable=True))
    # What the log already holds for members loses the fast HMAC and the first digits:
    # a till pulling from now on never receives them (the backfill adds the slow hash).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE changes SET data = ((data::jsonb - 'phone_masked') || "
            '\'{"phone_hash": "", "phone_slow_hash": ""}\'::jsonb)::text '
            "WHERE entity = 'member' AND data IS NOT NULL"
        )
    else:
        op.execute(
            "UPDATE changes SET data = json_set(json_remove(data, '$.phone_masked'), "
            "'$.phone_hash', '', '$.phone_slow_hash', '') "
            "WHERE entity = 'member' AND data IS NOT NULL"
        )
    # Staff already in the log go to their own store's terminals from now on.
    op.execute(
        "UPDATE changes SET store_code = (SELECT staff.store_code FROM staff "
        "WHERE staff.id = changes.entity_id) WHERE entity = 'staff'"
    )


def downgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("store_code")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("phone_slow_hash")
