"""throttles (sign-in and pairing attempts), deployment keys for pairing codes and forms

Pairing codes are now stored as a slow salted hash (argon2id with the deployment's
``pairing_salt``); codes still pending from before cannot be checked any more, so they are
cleared: head office issues a new code for such a terminal (console or CLI).

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
    with op.batch_alter_table("deployment") as batch:
        batch.add_column(sa.Column("pairing_salt", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("form_key", sa.String(length=64), nullable=True))
    deployment = sa.table(
        "deployment",
        sa.column("id", sa.Integer()),
        sa.column("pairing_salt", sa.String()),
        sa.column("form_key", sa.String()),
    )
    op.execute(
        deployment.update().values(
            pairing_salt=secrets.token_bytes(16).hex(), form_key=secrets.token_bytes(32).hex()
        )
    )
    terminals = sa.table(
        "terminals",
        sa.column("pairing_code_hash", sa.String()),
        sa.column("pairing_expires_at", sa.DateTime()),
    )
    op.execute(terminals.update().values(pairing_code_hash=None, pairing_expires_at=None))
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
    with op.batch_alter_table("deployment") as batch:
        batch.drop_column("form_key")
        batch.drop_column("pairing_salt")
    op.drop_index("ix_throttles_last_failure_at", table_name="throttles")
    op.drop_table("throttles")
