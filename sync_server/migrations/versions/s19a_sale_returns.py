"""Returns (issue 15): a sale's receipt number on its ledger rows, and the returns of
each sale.

- ``events.sale_ref`` (indexed): the receipt number of earn, redemption, coupon and
  return events, so that any till can find a sale by it (``GET /v1/sales``). Existing
  rows get it from their payload.
- ``sale_returns``: one row per accepted ``sale.returned`` event, keyed by the sale's
  first event (``sale_event_id``; its redemption, when that is another event, in
  ``redeemed_event_id``: a void of either is refused once part of the sale is back): the amount it returned, the amount beyond what was
  left (flagged for head office), the points it took back and gave back.

Revision ID: s19a
Revises: s19c
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s19a"
down_revision = "s19c"
branch_labels = None
depends_on = None

_BACKFILL = {
    "postgresql": "UPDATE events SET sale_ref = (payload::jsonb #>> '{data,sale_ref}') "
    "WHERE type IN ('points.earned', 'points.redeemed', 'coupon.redeemed')",
    "sqlite": "UPDATE events SET sale_ref = json_extract(payload, '$.data.sale_ref') "
    "WHERE type IN ('points.earned', 'points.redeemed', 'coupon.redeemed')",
}


def upgrade() -> None:
    op.add_column("events", sa.Column("sale_ref", sa.String(200), nullable=True))
    op.execute(_BACKFILL[op.get_bind().dialect.name])
    op.create_index("ix_events_sale_ref", "events", ["sale_ref"])
    op.create_table(
        "sale_returns",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("sale_event_id", sa.String(36), nullable=False),
        sa.Column("redeemed_event_id", sa.String(36), nullable=True),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("terminal_id", sa.String(36), nullable=False),
        sa.Column("accepted_cents", sa.BigInteger(), nullable=False),
        sa.Column("excess_cents", sa.BigInteger(), nullable=False),
        sa.Column("points_taken", sa.BigInteger(), nullable=False),
        sa.Column("points_given", sa.BigInteger(), nullable=False),
        sa.Column("coupon_restored", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sale_returns_sale_event_id", "sale_returns", ["sale_event_id"])
    op.create_index("ix_sale_returns_redeemed_event_id", "sale_returns", ["redeemed_event_id"])


def downgrade() -> None:
    op.drop_index("ix_sale_returns_redeemed_event_id", table_name="sale_returns")
    op.drop_index("ix_sale_returns_sale_event_id", table_name="sale_returns")
    op.drop_table("sale_returns")
    op.drop_index("ix_events_sale_ref", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("sale_ref")
