"""Initial replica schema: members, coupons, staff, program, settings, state, events, outbox.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "local_events",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("occurred_at", sa.String(length=40), nullable=False),
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=True),
        sa.Column("points_delta", sa.Integer(), nullable=False),
        sa.Column("lifetime_delta", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("sale_ref", sa.String(length=200), nullable=True),
        sa.Column("coupon_id", sa.String(length=36), nullable=True),
        sa.Column("voided_event_id", sa.String(length=36), nullable=True),
        sa.Column("voided_by", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'acknowledged', 'rejected')", name=op.f("ck_local_events_status")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_local_events")),
        sa.UniqueConstraint("member_id", "type", "sale_ref", name="uq_local_events_sale"),
        sa.UniqueConstraint("seq", name=op.f("uq_local_events_seq")),
    )
    op.create_index("ix_local_events_business_date", "local_events", ["business_date", "member_id"])
    op.create_index("ix_local_events_coupon", "local_events", ["coupon_id"])
    op.create_index("ix_local_events_member_status", "local_events", ["member_id", "status"])

    op.create_table(
        "members",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("member_code", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("phone_last4", sa.String(length=4), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("phone_masked", sa.String(length=32), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("lifetime_points", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_members")),
        sa.UniqueConstraint("member_code", name=op.f("uq_members_member_code")),
    )
    op.create_index("ix_members_last4_name", "members", ["phone_last4", "name_key", "member_code"])
    op.create_index("ix_members_name_key", "members", ["name_key", "member_code"])
    op.create_index("ix_members_phone_hash", "members", ["phone_hash"])

    op.create_table(
        "program_versions",
        sa.Column("rule_version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("program_json", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("rule_version", name=op.f("pk_program_versions")),
    )
    op.create_table(
        "staff",
        sa.Column("staff_id", sa.String(length=36), nullable=False),
        sa.Column("staff_code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("pin_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("role IN ('cashier', 'manager')", name=op.f("ck_staff_role")),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff")),
        sa.UniqueConstraint("staff_code", name=op.f("uq_staff_staff_code")),
    )
    op.create_table(
        "store_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("phone_region", sa.String(length=2), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("closing_time", sa.String(length=5), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_store_settings_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_settings")),
    )
    op.create_table(
        "terminal_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("terminal_id", sa.String(length=36), nullable=True),
        sa.Column("store_code", sa.String(length=32), nullable=True),
        sa.Column("member_code_prefix", sa.String(length=6), nullable=True),
        sa.Column("next_member_counter", sa.Integer(), nullable=False),
        sa.Column("next_seq", sa.Integer(), nullable=False),
        sa.Column("pull_cursor", sa.Text(), nullable=True),
        sa.Column("last_sync_at", sa.String(length=40), nullable=True),
        sa.Column("watermark", sa.Integer(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_terminal_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terminal_state")),
    )
    op.create_table(
        "coupons",
        sa.Column("coupon_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("value_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expires_at", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.member_id"],
            name=op.f("fk_coupons_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("coupon_id", name=op.f("pk_coupons")),
    )
    op.create_index(op.f("ix_coupons_member_id"), "coupons", ["member_id"])

    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("rejection_code", sa.String(length=64), nullable=True),
        sa.Column("rejection_detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("settled_at", sa.String(length=40), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'acknowledged', 'rejected')", name=op.f("ck_outbox_status")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["local_events.event_id"], name=op.f("fk_outbox_event_id_local_events")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_index("ix_outbox_status_seq", "outbox", ["status", "seq"])


def downgrade() -> None:
    op.drop_index("ix_outbox_status_seq", table_name="outbox")

    op.drop_table("outbox")
    op.drop_index(op.f("ix_coupons_member_id"), table_name="coupons")

    op.drop_table("coupons")
    op.drop_table("terminal_state")
    op.drop_table("store_settings")
    op.drop_table("staff")
    op.drop_table("program_versions")
    op.drop_index("ix_members_phone_hash", table_name="members")
    op.drop_index("ix_members_name_key", table_name="members")
    op.drop_index("ix_members_last4_name", table_name="members")

    op.drop_table("members")
    op.drop_index("ix_local_events_member_status", table_name="local_events")
    op.drop_index("ix_local_events_coupon", table_name="local_events")
    op.drop_index("ix_local_events_business_date", table_name="local_events")

    op.drop_table("local_events")
