"""Partner API and webhooks (issue 18): API keys (hashed), idempotency records, the
till-less channel terminal of each store, members' external ids, webhook endpoints and
the delivery outbox.

Revision ID: s19e
Revises: s19d
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s19e"
down_revision = "s19d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_keys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("stores", sa.String(500), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "partner_requests",
        sa.Column("key_id", sa.String(36), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_partner_requests_created_at", "partner_requests", ["created_at"])
    op.create_table(
        "partner_channels",
        sa.Column("store_code", sa.String(32), primary_key=True),
        sa.Column("terminal_id", sa.String(36), nullable=False, unique=True),
        sa.Column("next_counter", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "member_external_ids",
        sa.Column("source", sa.String(100), primary_key=True),
        sa.Column("external_id", sa.String(100), primary_key=True),
        sa.Column("member_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_member_external_ids_member_id", "member_external_ids", ["member_id"])
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("event_types", sa.Text(), nullable=False),
        sa.Column("personal_data", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("endpoint_id", sa.String(36), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["status", "endpoint_id", "member_id", "id"],
    )
    op.create_table(
        "broker_outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("routing_key", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_broker_outbox_published_id", "broker_outbox", ["published_at", "id"])
    op.create_table(
        "outbox_leases",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("outbox_leases")
    op.drop_index("ix_broker_outbox_published_id", table_name="broker_outbox")
    op.drop_table("broker_outbox")
    op.drop_index("ix_webhook_deliveries_due", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
    op.drop_index("ix_member_external_ids_member_id", table_name="member_external_ids")
    op.drop_table("member_external_ids")
    op.drop_table("partner_channels")
    op.drop_index("ix_partner_requests_created_at", table_name="partner_requests")
    op.drop_table("partner_requests")
    op.drop_table("partner_keys")
