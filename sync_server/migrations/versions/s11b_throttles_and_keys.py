"""throttles (sign-in and pairing attempts), server keys (pairing-code salt, form key)

Pairing codes are now stored as a slow salted hash (argon2id with the ``pairing_salt``).
Codes still pending at the upgrade were stored as plain SHA-256: they are re-keyed as
``"L" + sha256[:63]`` and keep working until they expire.

Revision ID: s11b
Revises: 0003
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "s11b"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttles",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_throttles_last_failure_at", "throttles", ["last_failure_at"])
    keys = op.create_table(
        "server_keys",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(
        keys,
        [
            {"name": "pairing_salt", "value": secrets.token_bytes(16).hex()},
            {"name": "form_key", "value": secrets.token_bytes(32).hex()},
        ],
    )
    terminals = sa.table("terminals", sa.column("pairing_code_hash", sa.String()))
    pending = terminals.c.pairing_code_hash
    op.execute(
        terminals.update()
        .where(pending.is_not(None))
        .values(pairing_code_hash=sa.literal("L") + sa.func.substr(pending, 1, 63))
    )
    op.drop_table("pair_failures")


def downgrade() -> None:
    op.create_table(
        "pair_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pair_failures_client", "pair_failures", ["client"])
    op.drop_table("server_keys")
    op.drop_index("ix_throttles_last_failure_at", table_name="throttles")
    op.drop_table("throttles")
